#include <gtest/gtest.h>

#include "mta/delivery/retry.hpp"
#include "mta/delivery/throttle.hpp"

namespace mta::delivery {
namespace {

using namespace std::chrono_literals;

TEST(Retry, DoublesFromInitialUpToMax) {
  RetryPolicy policy;  // 5 min doubling to 1 h
  EXPECT_EQ(retry_delay(policy, 1), 5min);
  EXPECT_EQ(retry_delay(policy, 2), 10min);
  EXPECT_EQ(retry_delay(policy, 3), 20min);
  EXPECT_EQ(retry_delay(policy, 4), 40min);
  EXPECT_EQ(retry_delay(policy, 5), 60min);
  EXPECT_EQ(retry_delay(policy, 500), 60min);  // no overflow after many attempts
}

TEST(Retry, GivesUpAtTheEndOfTheLifetime) {
  RetryPolicy policy{.initial = 5min, .max = 1h, .lifetime = 24h};
  Clock::time_point queued{};
  EXPECT_EQ(next_attempt(policy, queued, queued + 1min, 1), queued + 6min);
  EXPECT_EQ(next_attempt(policy, queued, queued + 23h + 30min, 10), queued + 24h);  // moved up, not skipped
  EXPECT_FALSE(next_attempt(policy, queued, queued + 24h, 10));
}

TEST(Gcra, SpacesSendsAtTheRate) {
  MemoryThrottleStore store;
  RateLimit limit{.count = 10, .per = 1s, .burst = 1};
  SteadyClock::time_point t{};
  EXPECT_EQ(store.acquire("gmail", limit, t), Wait::zero());
  EXPECT_EQ(store.acquire("gmail", limit, t), 100ms);        // the next slot is 100 ms away
  EXPECT_EQ(store.acquire("gmail", limit, t + 40ms), 60ms);  // a refused send is not counted
  EXPECT_EQ(store.acquire("gmail", limit, t + 100ms), Wait::zero());
  EXPECT_EQ(store.acquire("yahoo", limit, t), Wait::zero());  // keys are independent
}

TEST(Gcra, BurstThenRate) {
  MemoryThrottleStore store;
  RateLimit limit{.count = 60, .per = 1min, .burst = 5};
  SteadyClock::time_point t{};
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(store.acquire("d", limit, t), Wait::zero()) << i;
  EXPECT_EQ(store.acquire("d", limit, t), 1s);
  // Then the rate holds: one more send each second, 60 of them by t + 60 s.
  int sent = 0;
  for (auto now = t; now <= t + 60s; now += 10ms)
    if (store.acquire("d", limit, now) == Wait::zero()) ++sent;
  EXPECT_EQ(sent, 60);
}

TEST(Gcra, ZeroCountMeansUnlimited) {
  MemoryThrottleStore store;
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(store.acquire("d", RateLimit{}, SteadyClock::time_point{}), Wait::zero());
}

}  // namespace
}  // namespace mta::delivery
