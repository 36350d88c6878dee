// send_window.hpp — the campaign's send window ([window] start, end, time_zone) as `campaign send` honours
// it: whether a moment is inside the window, and when it next opens. The zone's UTC offsets are sampled
// hourly up front (ZoneOffsets::sample, through the C library's TZ handling, before any other thread runs),
// so the checks after that are pure arithmetic, safe on any thread and testable with made-up offsets.
// Errors: none; a zone the C library does not know reads as UTC (campaign_file checked the name).
// Untrusted input: none (the window was validated when the campaign file was read).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "campaigns/campaign/campaign_file.hpp"

namespace campaigns::send {

using SysSeconds = std::chrono::sys_seconds;

class ZoneOffsets {
 public:
  // Offsets of zone for every hour of [from, from + hours). Not thread-safe: sets TZ for a moment.
  static ZoneOffsets sample(const std::string& zone, SysSeconds from, int hours = 24 * 60);
  // Fixed offsets, for tests: offsets[i] applies from `from + i hours`.
  ZoneOffsets(SysSeconds from, std::vector<std::chrono::seconds> offsets);
  // The offset at t (the nearest sample outside the sampled span).
  std::chrono::seconds at(SysSeconds t) const;

 private:
  SysSeconds from_;
  std::vector<std::chrono::seconds> offsets_;
};

// Minutes after local midnight at t.
int local_minute(SysSeconds t, const ZoneOffsets& zone);
// True when t is inside the window ([start, end); spanning midnight when end < start; always when equal).
bool inside(const SendWindow& window, SysSeconds t, const ZoneOffsets& zone);
// Nothing when t is inside the window, else the moment it next opens.
std::optional<SysSeconds> opens_at(const SendWindow& window, SysSeconds t, const ZoneOffsets& zone);
// "HH:MM-HH:MM ZONE", for messages.
std::string describe(const SendWindow& window);

}  // namespace campaigns::send
