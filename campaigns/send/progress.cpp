#include "campaigns/send/progress.hpp"

#include <algorithm>
#include <cstdio>

namespace campaigns::send {
namespace {

constexpr auto kLogInterval = std::chrono::seconds(10);
constexpr int kBarWidth = 24;

std::string clock_text(std::int64_t seconds) {
  char text[32];
  if (seconds >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(seconds / 60),
                  static_cast<long long>(seconds % 60));
  return text;
}

}  // namespace

Progress::Progress(std::ostream& out, bool terminal, std::int64_t total, Clock::time_point start)
    : out_(out), terminal_(terminal), total_(total), start_(start), last_line_(start) {}

Progress::Clock::duration Progress::tick() const {
  return terminal_ ? std::chrono::milliseconds(250) : std::chrono::milliseconds(1000);
}

std::string Progress::line(const ProgressCounts& counts, Clock::time_point now) const {
  double seconds = std::chrono::duration<double>(now - start_).count();
  double rate = seconds > 0 ? static_cast<double>(counts.injected + counts.refused) / seconds : 0;
  std::string text = std::to_string(counts.injected) + "/" + std::to_string(total_) + " sent, " +
                     std::to_string(counts.refused) + " refused, " + std::to_string(counts.skipped) +
                     " skipped, " + std::to_string(static_cast<long long>(rate)) + " msg/s";
  auto left = total_ - counts.done();
  if (left > 0 && rate > 0) text += ", ETA " + clock_text(static_cast<std::int64_t>(left / rate));
  return text;
}

void Progress::update(const ProgressCounts& counts, Clock::time_point now) {
  if (terminal_) {
    int filled =
        total_ > 0 ? static_cast<int>(std::min(counts.done(), total_) * kBarWidth / total_) : kBarWidth;
    out_ << "\r\033[K[" << std::string(static_cast<std::size_t>(filled), '#')
         << std::string(static_cast<std::size_t>(kBarWidth - filled), '.') << "] " << line(counts, now);
    if (!waiting_.empty()) out_ << " (" << waiting_ << ")";
    out_.flush();
    drawn_ = true;
  } else if (now - last_line_ >= kLogInterval) {
    last_line_ = now;
    out_ << "relayctl: campaign send: " << line(counts, now) << "\n";
    out_.flush();
  }
}

void Progress::waiting(std::string_view why) {
  if (why == waiting_) return;
  if (terminal_ && drawn_) out_ << "\r\033[K";
  if (!why.empty())
    out_ << "relayctl: campaign send: waiting: " << why << "\n";
  else if (!waiting_.empty())
    out_ << "relayctl: campaign send: sending again\n";
  out_.flush();
  waiting_ = why;
}

void Progress::note(std::string_view line) {
  if (terminal_ && drawn_) out_ << "\r\033[K";
  out_ << "relayctl: " << line << "\n";
  out_.flush();
}

void Progress::finish(const ProgressCounts& counts, Clock::time_point now) {
  if (terminal_) {
    update(counts, now);
    out_ << "\n";
  }
  out_.flush();
}

}  // namespace campaigns::send
