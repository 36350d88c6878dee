#include "mta/queue/egress.hpp"

#include <map>

#include <gtest/gtest.h>

namespace mta::queue {
namespace {

std::string picks(SmoothWeightedRoundRobin& turns, int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += static_cast<char>('A' + turns.next());
  return out;
}

TEST(SmoothWeightedRoundRobin, InterleavesByWeight) {
  SmoothWeightedRoundRobin three_one({3, 1});
  EXPECT_EQ(picks(three_one, 8), "AABAAABA");
  SmoothWeightedRoundRobin five_one_one({5, 1, 1});  // nginx's example: smooth, not AAAAABC
  EXPECT_EQ(picks(five_one_one, 7), "AABACAA");
  SmoothWeightedRoundRobin single({7});
  EXPECT_EQ(picks(single, 3), "AAA");
}

TEST(SmoothWeightedRoundRobin, EveryWindowOfTotalWeightHasExactShares) {
  std::vector<unsigned> weights{5, 3, 2, 1};
  SmoothWeightedRoundRobin turns(weights);
  for (int window = 0; window < 20; ++window) {
    std::map<std::size_t, unsigned> counts;
    for (int i = 0; i < 11; ++i)
      ++counts[turns.next()];
    for (std::size_t k = 0; k < weights.size(); ++k)
      EXPECT_EQ(counts[k], weights[k]) << "window " << window << " member " << k;
  }
}

struct SenderCase {
  std::string pattern, sender;
  bool matches;
};

class SenderMatchTest : public ::testing::TestWithParam<SenderCase> {};

TEST_P(SenderMatchTest, Matches) {
  const auto& c = GetParam();
  EXPECT_EQ(sender_match_specificity(c.pattern, c.sender) >= 0, c.matches) << c.pattern << " " << c.sender;
}

INSTANTIATE_TEST_SUITE_P(Egress, SenderMatchTest,
                         ::testing::Values(SenderCase{"example.com", "a@example.com", true},
                                           SenderCase{"example.com", "a@EXAMPLE.com", true},
                                           SenderCase{"example.com", "a@sub.example.com", false},
                                           SenderCase{"*.example.com", "a@sub.example.com", true},
                                           SenderCase{"*.example.com", "a@example.com", false},
                                           SenderCase{"news@example.com", "NEWS@example.com", true},
                                           SenderCase{"news@example.com", "other@example.com", false},
                                           SenderCase{"news@example.com", "news@example.org", false},
                                           SenderCase{"example.com", "", false},  // the null sender
                                           SenderCase{"example.com", "example.com", false}));

EgressSettings settings() {
  EgressSettings s;
  s.sources = {{"a", asio::ip::make_address("127.0.0.2"), "a.example.net"},
               {"b", asio::ip::make_address("127.0.0.3"), "b.example.net"},
               {"c", asio::ip::make_address("::1"), "c.example.net"}};
  s.pools = {{"bulk", {{"a", 3}, {"b", 1}}}, {"tx", {{"c", 1}}}, {"solo", {{"b", 1}}}};
  s.sender_pools = {{"example.com", "bulk"}, {"alerts@example.com", "tx"}, {"*.example.org", "solo"}};
  return s;
}

TEST(EgressSelector, MostSpecificSenderRuleThenDefault) {
  EgressSettings s = settings();
  EgressSelector none(s);
  EXPECT_EQ(none.pool_for("x@elsewhere.test"), "");  // no default: the OS's choice
  EXPECT_EQ(none.choose("x@elsewhere.test"), nullptr);
  s.default_pool = "solo";
  EgressSelector selector(s);
  EXPECT_EQ(selector.pool_for("news@example.com"), "bulk");
  EXPECT_EQ(selector.pool_for("Alerts@Example.com"), "tx");  // the address beats its domain
  EXPECT_EQ(selector.pool_for("x@mail.example.org"), "solo");
  EXPECT_EQ(selector.pool_for("x@elsewhere.test"), "solo");
  EXPECT_EQ(selector.pool_for(""), "solo");  // DSNs, from the null sender
}

TEST(EgressSelector, RequestedPoolIsTheCampaignHook) {
  EgressSelector selector(settings());
  EXPECT_EQ(selector.pool_for("news@example.com", "tx"), "tx");
  EXPECT_EQ(selector.pool_for("news@example.com", "no-such-pool"), "bulk");  // falls back to the sender
  auto source = selector.choose("news@example.com", "tx");
  ASSERT_NE(source, nullptr);
  EXPECT_EQ(source->name, "c");
}

TEST(EgressSelector, SourcesTakeTurnsByWeightWithTheirEhloNames) {
  EgressSelector selector(settings());
  std::string names, ehlos;
  for (int i = 0; i < 8; ++i) {
    auto source = selector.choose("news@example.com");
    ASSERT_NE(source, nullptr);
    names += source->name;
    ehlos += source->ehlo.substr(0, 1);
  }
  EXPECT_EQ(names, "aabaaaba");
  EXPECT_EQ(ehlos, names);
}

TEST(EgressSelector, SettingsFromConfigDefaultTheEhloToTheHostname) {
  config::DeliveryConfig delivery;
  delivery.sources = {{"a", "127.0.0.2", ""}, {"b", "127.0.0.3", "b.example.net"}};
  delivery.pools = {{"p", {{"a", 1}, {"b", 1}}}};
  delivery.default_pool = "p";
  EgressSettings s = egress_settings(delivery, "mta.example.net");
  ASSERT_EQ(s.sources.size(), 2u);
  EXPECT_EQ(s.sources[0].ehlo, "mta.example.net");
  EXPECT_EQ(s.sources[1].ehlo, "b.example.net");
  EXPECT_EQ(s.sources[1].address.to_string(), "127.0.0.3");
  EgressSelector selector(s);
  EXPECT_EQ(selector.choose("")->name, "a");
  EXPECT_EQ(selector.choose("")->name, "b");
}

TEST(EgressSelector, SourcesByNameOutliveTheSelector) {
  SourcePtr kept;
  {
    EgressSelector selector(settings());
    EXPECT_EQ(selector.source("nope"), nullptr);
    kept = selector.source("a");
    ASSERT_NE(kept, nullptr);
    EXPECT_EQ(kept, selector.choose("news@example.com"));  // the pool's member is that same source
  }
  EXPECT_EQ(kept->name, "a");  // a reload replaces the selector; queued mail keeps its source
}

}  // namespace
}  // namespace mta::queue
