// progress.hpp — what `campaign send` shows while it runs: on a terminal a progress bar redrawn in place
// (sent / refused / skipped, rate, ETA), otherwise one summary line every 10 s, for logs; and a line
// whenever sending pauses or resumes (the window is closed, the daemon is away). Errors: none.
// Untrusted input: none (the reasons shown come from the injector).
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace campaigns::send {

struct ProgressCounts {
  std::int64_t injected = 0, refused = 0, skipped = 0;  // this run
  std::int64_t done() const { return injected + refused + skipped; }
};

class Progress {
 public:
  using Clock = std::chrono::steady_clock;
  Progress(std::ostream& out, bool terminal, std::int64_t total, Clock::time_point start);
  Clock::duration tick() const;  // how often update() should be called
  void update(const ProgressCounts& counts, Clock::time_point now);
  void waiting(std::string_view why);  // "" when sending again
  void note(std::string_view line);    // a line of its own ("relayctl: " is added), above the bar
  void finish(const ProgressCounts& counts, Clock::time_point now);
  // "4512/10000 sent, 0 refused, 12 skipped, 1520 msg/s, ETA 0:04", for both forms.
  std::string line(const ProgressCounts& counts, Clock::time_point now) const;

 private:
  std::ostream& out_;
  bool terminal_;
  std::int64_t total_;
  Clock::time_point start_, last_line_;
  std::string waiting_;
  bool drawn_ = false;
};

}  // namespace campaigns::send
