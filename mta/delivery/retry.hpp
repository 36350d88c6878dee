// retry.hpp — when to try a deferred recipient again, and when to give up (RFC 5321 §4.5.4.1 asks for a
// retry interval of at least 30 minutes and a give-up time of at least 4-5 days; we default to Postfix's
// exponential backoff: 5 minutes doubling to 1 hour, for 5 days). Pure arithmetic, no clocks read here.
#pragma once

#include <chrono>
#include <optional>

namespace mta::delivery {

using Clock = std::chrono::system_clock;

struct RetryPolicy {
  std::chrono::seconds initial{5 * 60};
  std::chrono::seconds max{60 * 60};
  std::chrono::seconds lifetime{5 * 24 * 60 * 60};  // from the time the message was queued
};

// The wait after failed_attempts (>= 1) temporary failures: initial * 2^(failed_attempts - 1), at most max.
std::chrono::seconds retry_delay(const RetryPolicy& policy, unsigned failed_attempts);

// When to try next after a temporary failure at now; nothing when the message's lifetime is over (it then
// bounces as expired). The last attempt is moved up to the expiry time rather than skipped.
std::optional<Clock::time_point> next_attempt(const RetryPolicy& policy, Clock::time_point queued_at,
                                              Clock::time_point now, unsigned failed_attempts);

}  // namespace mta::delivery
