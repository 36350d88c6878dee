// auth_rate_limiter.hpp — counts failed AUTH attempts per client IP in a sliding window; past the limit
// the address is refused (421) until its oldest failure ages out. Thread-safe; memory bounded (the table
// is pruned of expired entries and capped).
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mta::auth {

class AuthRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  AuthRateLimiter(unsigned max_failures, std::chrono::seconds window)
      : max_failures_(max_failures), window_(window) {}

  bool blocked(const std::string& address, Clock::time_point now = Clock::now());
  void record_failure(const std::string& address, Clock::time_point now = Clock::now());

 private:
  void prune(std::deque<Clock::time_point>& times, Clock::time_point now);
  unsigned max_failures_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
};

}  // namespace mta::auth
