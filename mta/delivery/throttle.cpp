#include "mta/delivery/throttle.hpp"

#include <algorithm>

namespace mta::delivery {

Wait MemoryThrottleStore::acquire(std::string_view key, const RateLimit& limit, SteadyClock::time_point now) {
  if (limit.count == 0) return Wait::zero();
  auto interval = limit.per / limit.count;
  auto tolerance = interval * (std::max(limit.burst, 1u) - 1);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = arrival_.try_emplace(std::string(key), now);
  SteadyClock::time_point arrival = std::max(it->second, now);
  if (now < arrival - tolerance) return (arrival - tolerance) - now;
  it->second = arrival + interval;
  return Wait::zero();
}

}  // namespace mta::delivery
