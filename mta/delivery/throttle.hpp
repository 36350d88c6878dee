// throttle.hpp — rate limits per destination with the Generic Cell Rate Algorithm: each key has a
// "theoretical arrival time"; a send is allowed when now is no earlier than that time minus the burst
// tolerance. O(1) state per key. ThrottleStore is the seam for sharing limits between nodes (Redis
// later); MemoryThrottleStore serves one node. No untrusted input.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mta::delivery {

using SteadyClock = std::chrono::steady_clock;

struct RateLimit {
  unsigned count = 0;  // 0: unlimited
  std::chrono::nanoseconds per{std::chrono::seconds(1)};
  unsigned burst = 1;  // sends allowed back to back before the rate applies
};

// Zero when the send may go now (and is counted); otherwise how long to wait (nothing is counted).
using Wait = std::chrono::nanoseconds;

class ThrottleStore {
 public:
  virtual ~ThrottleStore() = default;
  virtual Wait acquire(std::string_view key, const RateLimit& limit, SteadyClock::time_point now) = 0;
};

class MemoryThrottleStore : public ThrottleStore {
 public:
  Wait acquire(std::string_view key, const RateLimit& limit, SteadyClock::time_point now) override;

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, SteadyClock::time_point> arrival_;  // key -> theoretical arrival time
};

}  // namespace mta::delivery
