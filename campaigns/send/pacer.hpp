// pacer.hpp — the campaign's maximum rate ([rate] per_second, per_hour) as evenly spaced start slots: each
// message may start one interval after the previous one, the interval being the larger of 1 s / per_second
// and 1 h / per_hour, so neither limit is passed over any span (there is no burst). Shared by every
// connection of one send, on one thread. Errors: none. Untrusted input: none.
#pragma once

#include <chrono>

#include "campaigns/campaign/campaign_file.hpp"

namespace campaigns::send {

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;
  explicit Pacer(const SendRate& rate);
  // The moment the next message may start (now or later); reserves it.
  Clock::time_point take(Clock::time_point now);
  Clock::duration interval() const { return interval_; }  // zero: no limit

 private:
  Clock::duration interval_{};
  Clock::time_point next_{};
};

}  // namespace campaigns::send
