#include "mta/auth/auth_rate_limiter.hpp"

namespace mta::auth {

void AuthRateLimiter::prune(std::deque<Clock::time_point>& times, Clock::time_point now) {
  while (!times.empty() && now - times.front() >= window_)
    times.pop_front();
}

bool AuthRateLimiter::blocked(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(address);
  if (it == failures_.end()) return false;
  prune(it->second, now);
  if (it->second.empty()) {
    failures_.erase(it);
    return false;
  }
  return it->second.size() >= max_failures_;
}

void AuthRateLimiter::record_failure(const std::string& address, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (failures_.size() > 100'000) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      prune(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
  }
  auto& times = failures_[address];
  prune(times, now);
  if (times.size() < max_failures_ + 1) times.push_back(now);
}

}  // namespace mta::auth
