// The suppression policy of bounces: which classifications suppress at once, which count as soft bounces,
// the soft-bounce rule over an address's final outcomes (N campaigns, the span, a delivery resets, mail
// outside campaigns, sender classes), and the source text.
#include "campaigns/bounces/suppression_policy.hpp"

#include <gtest/gtest.h>

#include "campaigns/suppression/suppression.hpp"

namespace campaigns {
namespace {

using namespace std::chrono_literals;
using Time = std::chrono::system_clock::time_point;

Time day(int n) {
  return Time{} + std::chrono::hours(24 * (20000 + n));
}

FinalOutcome soft(int d, std::string campaign) {
  return {day(d), std::move(campaign), false, true};
}
FinalOutcome delivered(int d, std::string campaign) {
  return {day(d), std::move(campaign), true, false};
}
FinalOutcome other(int d, std::string campaign) {  // a bounce that does not count: hard, or about the sender
  return {day(d), std::move(campaign), false, false};
}

TEST(SuppressionPolicy, HardBouncesOfTheRecipientsClassesSuppressAtOnce) {
  EXPECT_TRUE(suppresses_at_once({BounceClass::invalid_recipient, Severity::hard, "r"}));
  EXPECT_TRUE(suppresses_at_once({BounceClass::bad_domain, Severity::hard, "r"}));
  EXPECT_TRUE(suppresses_at_once({BounceClass::mailbox_disabled, Severity::hard, "r"}));
  EXPECT_FALSE(suppresses_at_once({BounceClass::invalid_recipient, Severity::soft, "r"}));
  EXPECT_FALSE(suppresses_at_once({BounceClass::spam_block, Severity::hard, "r"}));
  EXPECT_FALSE(suppresses_at_once({BounceClass::policy_auth, Severity::hard, "r"}));
  EXPECT_FALSE(suppresses_at_once({BounceClass::other, Severity::hard, "r"}));
  EXPECT_FALSE(suppresses_at_once({BounceClass::message_too_large, Severity::hard, "r"}));
}

TEST(SuppressionPolicy, SoftBouncesAboutTheSenderNeverCount) {
  EXPECT_TRUE(counts_as_soft_bounce({BounceClass::mailbox_full, Severity::soft, "r"}));
  EXPECT_TRUE(counts_as_soft_bounce({BounceClass::dns_failure, Severity::soft, "r"}));
  EXPECT_FALSE(counts_as_soft_bounce({BounceClass::spam_block, Severity::soft, "r"}));
  EXPECT_FALSE(counts_as_soft_bounce({BounceClass::policy_auth, Severity::soft, "r"}));
  EXPECT_FALSE(counts_as_soft_bounce({BounceClass::mailbox_full, Severity::hard, "r"}));
}

struct SoftCase {
  const char* label;
  std::vector<FinalOutcome> newest_first;
  bool suppress;
};

class SoftBounceRule : public testing::TestWithParam<SoftCase> {};

TEST_P(SoftBounceRule, Decides) {
  SoftBouncePolicy policy{3, std::chrono::seconds(15 * 24 * 3600)};
  EXPECT_EQ(soft_bounces_suppress(GetParam().newest_first, policy), GetParam().suppress) << GetParam().label;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SoftBounceRule,
    testing::Values(
        SoftCase{"three campaigns over 20 days", {soft(20, "c"), soft(10, "b"), soft(0, "a")}, true},
        SoftCase{"exactly the span", {soft(15, "c"), soft(7, "b"), soft(0, "a")}, true},
        SoftCase{"three campaigns within a week", {soft(6, "c"), soft(3, "b"), soft(0, "a")}, false},
        SoftCase{"only two campaigns", {soft(20, "b"), soft(0, "a")}, false},
        SoftCase{"several bounces of one campaign count once",
                 {soft(20, "b"), soft(19, "b"), soft(18, "b"), soft(0, "a")},
                 false},
        SoftCase{"a delivery in between resets",
                 {soft(30, "d"), soft(20, "c"), delivered(15, "x"), soft(10, "b"), soft(0, "a")},
                 false},
        SoftCase{"a delivery outside campaigns resets",
                 {soft(30, "d"), soft(20, "c"), delivered(15, ""), soft(10, "b")},
                 false},
        SoftCase{"a delivery before the streak does not",
                 {soft(40, "d"), soft(30, "c"), soft(20, "b"), delivered(10, "a")},
                 true},
        SoftCase{"an earlier delivery of a campaign that then bounced",
                 {soft(40, "d"), soft(30, "c"), soft(20, "b"), delivered(19, "b")},
                 true},
        SoftCase{"a campaign that ended delivered",
                 {delivered(40, "d"), soft(30, "c"), soft(20, "b"), soft(0, "a")},
                 false},
        SoftCase{"a campaign ending in a sender-class bounce breaks the streak",
                 {soft(40, "d"), other(30, "c"), soft(20, "b"), soft(0, "a")},
                 false},
        SoftCase{"bounces of mail outside campaigns neither count nor reset",
                 {soft(40, "c"), soft(35, ""), soft(30, "b"), soft(0, "a")},
                 true},
        SoftCase{"nothing", {}, false}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(SuppressionPolicy, TheNumberOfCampaignsIsConfigurable) {
  std::vector<FinalOutcome> two{soft(20, "b"), soft(0, "a")};
  EXPECT_TRUE(soft_bounces_suppress(two, {2, std::chrono::seconds(24 * 3600)}));
  EXPECT_FALSE(soft_bounces_suppress(two, {3, std::chrono::seconds(24 * 3600)}));
  EXPECT_FALSE(soft_bounces_suppress(two, {2, std::chrono::seconds(21 * 24 * 3600)}));
}

TEST(SuppressionPolicy, TheSourceIsAValidSourceNamingCampaignQueueAndReply) {
  auto source = suppression_source("spring", "0123ABC", "550 5.1.1 no such user");
  EXPECT_EQ(source, "campaign spring, queue 0123ABC: 550 5.1.1 no such user");
  auto long_reply = std::string(300, 'x') + "\r\n\x01";
  auto cut = suppression_source("spring", "Q", long_reply);
  EXPECT_TRUE(is_valid_source(cut));
  EXPECT_EQ(cut.size(), kMaxSourceLength);
  EXPECT_TRUE(is_valid_source(suppression_source("", "", "a\tb\nc")));
  std::string utf8;
  for (int i = 0; i < 200; ++i)
    utf8 += "\xc3\xa9";  // é
  auto cut_utf8 = suppression_source("c", "q", utf8);
  EXPECT_LE(cut_utf8.size(), kMaxSourceLength);
  EXPECT_NE(static_cast<unsigned char>(cut_utf8.back()), 0xc3);  // not cut inside a character
}

}  // namespace
}  // namespace campaigns
