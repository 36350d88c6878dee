#include "campaigns/send/pacer.hpp"

#include <algorithm>

namespace campaigns::send {

Pacer::Pacer(const SendRate& rate) {
  using std::chrono::nanoseconds;
  nanoseconds per_second =
      rate.per_second > 0 ? nanoseconds(1'000'000'000LL / rate.per_second) : nanoseconds(0);
  nanoseconds per_hour =
      rate.per_hour > 0 ? nanoseconds(3'600'000'000'000LL / rate.per_hour) : nanoseconds(0);
  interval_ = std::chrono::duration_cast<Clock::duration>(std::max(per_second, per_hour));
}

Pacer::Clock::time_point Pacer::take(Clock::time_point now) {
  if (interval_ == Clock::duration::zero()) return now;
  auto slot = std::max(now, next_);
  next_ = slot + interval_;
  return slot;
}

}  // namespace campaigns::send
