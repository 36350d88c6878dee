#include "mta/delivery/backoff.hpp"

#include <algorithm>
#include <array>

namespace mta::delivery {
namespace {

// Phrases the large providers and common MTAs use when they throttle a sender.
constexpr std::array<std::string_view, 12> kPhrases{
    "rate limit",        "rate-limit",           "ratelimit",        "too many connections",
    "too many messages", "too many concurrent",  "unusual rate",     "try again later, closing connection",
    "throttl",           "temporarily deferred", "sending too fast", "exceeded the rate"};

}  // namespace

bool is_rate_limit_reply(const Reply& reply) {
  if (!reply.transient()) return false;
  if (reply.enhanced && reply.enhanced->klass == 4 && reply.enhanced->subject == 7 &&
      (reply.enhanced->detail == 28 || reply.enhanced->detail == 650 || reply.enhanced->detail == 651))
    return true;  // Gmail 4.7.28, Microsoft 4.7.650/4.7.651
  std::string text = reply.lower_text();
  return std::any_of(kPhrases.begin(), kPhrases.end(),
                     [&](std::string_view p) { return text.find(p) != std::string::npos; });
}

std::chrono::seconds DestinationBackoff::rate_limited(const std::string& destination, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  State& state = states_[destination];
  state.pause = state.pause.count() == 0 ? policy_.first : std::min(state.pause * 2, policy_.max);
  state.until = std::max(state.until, now + state.pause);
  return state.pause;
}

void DestinationBackoff::succeeded(const std::string& destination) {
  std::lock_guard lock(mutex_);
  if (auto it = states_.find(destination); it != states_.end()) it->second.pause = std::chrono::seconds(0);
}

std::optional<DestinationBackoff::Clock::time_point> DestinationBackoff::suspended_until(
    const std::string& destination, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  auto it = states_.find(destination);
  if (it == states_.end() || it->second.until <= now) return std::nullopt;
  return it->second.until;
}

}  // namespace mta::delivery
