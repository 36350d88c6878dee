// The balancer of a relay domain's backends: weighted round-robin across the healthy backends of the
// lowest priority, failover order, passive health with a doubling down time, all on an injected clock.
#include "mta/queue/backend_balancer.hpp"

#include <map>

#include <gtest/gtest.h>

namespace mta::queue {
namespace {

using namespace std::chrono_literals;
using Clock = BackendBalancer::Clock;

config::InboundBackend backend(const std::string& host, unsigned weight, unsigned priority = 0) {
  config::InboundBackend b;
  b.address = dns::HostPort{host, 25};
  b.weight = weight;
  b.priority = priority;
  return b;
}

dns::HostPort at(const std::string& host) {
  return dns::HostPort{host, 25};
}

// The first pick of n attempts, as a string of host names' first letters.
std::string firsts(BackendBalancer& balancer, int n, Clock::time_point now) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    auto order = balancer.order("example.com", now);
    out += order.empty() ? '-' : order.front().host[0];
  }
  return out;
}

std::string hosts(const std::vector<dns::HostPort>& order) {
  std::string out;
  for (const auto& hop : order)
    out += hop.host[0];
  return out;
}

const Clock::time_point t0{std::chrono::hours(1)};

TEST(BackendBalancer, SharesByWeightSmoothly) {
  BackendBalancer balancer;
  balancer.set_domain("example.com", {backend("a", 2), backend("b", 1)});
  EXPECT_EQ(firsts(balancer, 6, t0), "abaaba");
  BackendBalancer equal;
  equal.set_domain("example.com", {backend("a", 1), backend("b", 1)});
  EXPECT_EQ(firsts(equal, 4, t0), "abab");
}

TEST(BackendBalancer, EveryWindowOfTotalWeightHasExactShares) {
  BackendBalancer balancer;
  balancer.set_domain("example.com", {backend("a", 5), backend("b", 3), backend("c", 2)});
  for (int window = 0; window < 10; ++window) {
    std::map<char, int> counts;
    for (char c : firsts(balancer, 10, t0))
      ++counts[c];
    EXPECT_EQ(counts['a'], 5);
    EXPECT_EQ(counts['b'], 3);
    EXPECT_EQ(counts['c'], 2);
  }
}

TEST(BackendBalancer, OrderIsThePickThenTheRestOfItsPriorityThenLaterPriorities) {
  BackendBalancer balancer;
  balancer.set_domain("example.com",
                      {backend("backup", 1, 10), backend("a", 1), backend("b", 3), backend("spare", 5, 10)});
  auto order = balancer.order("example.com", t0);
  EXPECT_EQ(hosts(order), "basb");  // b (heaviest) picked, then a; then priority 10, heavier first
  EXPECT_EQ(order[2].host, "spare");
  EXPECT_EQ(order[3].host, "backup");
}

TEST(BackendBalancer, ALaterPriorityGetsMailOnlyWhileEveryEarlierOneIsDown) {
  BackendBalancer balancer;
  balancer.set_domain("example.com", {backend("a", 1), backend("b", 1), backend("z", 1, 1)});
  EXPECT_EQ(firsts(balancer, 4, t0), "abab");
  balancer.failed(at("a"), t0);
  EXPECT_EQ(firsts(balancer, 3, t0), "bbb");
  EXPECT_EQ(hosts(balancer.order("example.com", t0)), "bz");  // a is skipped, not tried
  balancer.failed(at("b"), t0);
  EXPECT_EQ(firsts(balancer, 2, t0 + 1s), "zz");
  balancer.succeeded(at("a"));
  EXPECT_EQ(firsts(balancer, 2, t0 + 2s), "aa");
}

TEST(BackendBalancer, AFailedBackendSitsOutThirtySecondsDoublingToTheCap) {
  BackendBalancer balancer(BackendHealthPolicy{30s, 100s});
  balancer.set_domain("example.com", {backend("a", 1), backend("b", 1)});
  balancer.failed(at("a"), t0);
  EXPECT_FALSE(balancer.healthy(at("a"), t0 + 29s));
  EXPECT_TRUE(balancer.healthy(at("a"), t0 + 30s));
  // It failed again when it was tried after its pause: twice as long, then capped.
  balancer.failed(at("a"), t0 + 30s);
  EXPECT_FALSE(balancer.healthy(at("a"), t0 + 89s));
  EXPECT_TRUE(balancer.healthy(at("a"), t0 + 90s));
  balancer.failed(at("a"), t0 + 90s);
  EXPECT_FALSE(balancer.healthy(at("a"), t0 + 189s));
  EXPECT_TRUE(balancer.healthy(at("a"), t0 + 190s));
  balancer.failed(at("a"), t0 + 190s);
  EXPECT_TRUE(balancer.healthy(at("a"), t0 + 290s));  // 100 s, not 240
  // One success: healthy, and the next failure starts at 30 s again.
  balancer.succeeded(at("a"));
  balancer.failed(at("a"), t0 + 300s);
  EXPECT_TRUE(balancer.healthy(at("a"), t0 + 330s));
}

TEST(BackendBalancer, EveryBackendDownOffersAllSoonestBackFirst) {
  BackendBalancer balancer;
  balancer.set_domain("example.com", {backend("a", 1), backend("b", 1)});
  balancer.failed(at("b"), t0);
  balancer.failed(at("a"), t0 + 5s);
  EXPECT_EQ(hosts(balancer.order("example.com", t0 + 10s)), "ba");
}

TEST(BackendBalancer, HealthIsPerBackendAcrossDomainsAndSurvivesAReload) {
  BackendBalancer balancer;
  balancer.set_domain("example.com", {backend("a", 1), backend("b", 1)});
  balancer.set_domain("example.org", {backend("a", 1), backend("c", 1)});
  balancer.failed(at("a"), t0);
  EXPECT_EQ(hosts(balancer.order("example.org", t0)), "c");
  balancer.set_domain("example.com", {backend("a", 1), backend("b", 2)});  // a reload changed a weight
  EXPECT_EQ(hosts(balancer.order("example.com", t0)), "b");
  balancer.remove_domains_except({"example.com"});
  EXPECT_FALSE(balancer.has_domain("example.org"));
  EXPECT_TRUE(balancer.order("example.org", t0).empty());
}

TEST(BackendBalancer, AnUnknownDomainHasNoBackends) {
  BackendBalancer balancer;
  EXPECT_TRUE(balancer.order("nowhere.example", t0).empty());
}

}  // namespace
}  // namespace mta::queue
