#include "mta/delivery/retry.hpp"

#include <algorithm>

namespace mta::delivery {

std::chrono::seconds retry_delay(const RetryPolicy& policy, unsigned failed_attempts) {
  std::chrono::seconds delay = policy.initial;
  for (unsigned i = 1; i < failed_attempts && delay < policy.max; ++i)
    delay *= 2;
  return std::min(delay, policy.max);
}

std::optional<Clock::time_point> next_attempt(const RetryPolicy& policy, Clock::time_point queued_at,
                                              Clock::time_point now, unsigned failed_attempts) {
  Clock::time_point expires = queued_at + policy.lifetime;
  if (now >= expires) return std::nullopt;
  return std::min(now + retry_delay(policy, failed_attempts), expires);
}

}  // namespace mta::delivery
