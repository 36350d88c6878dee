// backoff.hpp — automatic slow-down when a destination says "too fast". Replies such as Gmail's
// "421-4.7.28 ... unusual rate of unsolicited mail", Microsoft's "451 4.7.650 ... temporarily rate limited",
// Yahoo's "421 4.7.0 [TSS04] Messages ... temporarily deferred", or "421 too many connections" suspend the
// destination: no new connection or message until the suspension ends. Each further rate-limit reply while
// suspended or soon after doubles the pause (up to a maximum); a success ends the streak.
// Untrusted input: reply texts, matched case-insensitively against fixed phrases only.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mta/delivery/reply.hpp"

namespace mta::delivery {

// True for a temporary reply that asks the sender to slow down (rather than a mailbox or policy problem).
bool is_rate_limit_reply(const Reply& reply);

struct BackoffPolicy {
  std::chrono::seconds first{60};
  std::chrono::seconds max{30 * 60};
};

class DestinationBackoff {
 public:
  using Clock = std::chrono::steady_clock;
  explicit DestinationBackoff(BackoffPolicy policy = {}) : policy_(policy) {}
  // For the next rate-limit reply on (a pause already running runs out as it was).
  void set_policy(BackoffPolicy policy) {
    std::lock_guard lock(mutex_);
    policy_ = policy;
  }

  // Records a rate-limit reply from destination; returns how long it is now suspended for.
  std::chrono::seconds rate_limited(const std::string& destination, Clock::time_point now);
  // A delivery to destination succeeded: forget its streak (the current pause still runs out).
  void succeeded(const std::string& destination);
  // When destination may be tried again, if it is suspended at now.
  std::optional<Clock::time_point> suspended_until(const std::string& destination,
                                                   Clock::time_point now) const;

 private:
  struct State {
    Clock::time_point until{};
    std::chrono::seconds pause{0};
  };
  BackoffPolicy policy_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, State> states_;
};

}  // namespace mta::delivery
