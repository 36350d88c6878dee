#include "campaigns/send/send_window.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace campaigns::send {
namespace {

constexpr int kMinutesPerDay = 24 * 60;

std::chrono::seconds offset_now(std::time_t t) {
  std::tm local{};
  localtime_r(&t, &local);
  return std::chrono::seconds(local.tm_gmtoff);
}

std::string hh_mm(int minute) {
  char text[8];
  std::snprintf(text, sizeof text, "%02d:%02d", (minute / 60) % 24, minute % 60);
  return text;
}

}  // namespace

ZoneOffsets ZoneOffsets::sample(const std::string& zone, SysSeconds from, int hours) {
  const char* previous = std::getenv("TZ");
  std::string saved = previous ? previous : "";
  setenv("TZ", zone.c_str(), 1);
  tzset();
  std::vector<std::chrono::seconds> offsets;
  offsets.reserve(static_cast<std::size_t>(hours));
  for (int h = 0; h < hours; ++h)
    offsets.push_back(offset_now(std::chrono::system_clock::to_time_t(from + std::chrono::hours(h))));
  if (previous)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
  return ZoneOffsets(from, std::move(offsets));
}

ZoneOffsets::ZoneOffsets(SysSeconds from, std::vector<std::chrono::seconds> offsets)
    : from_(from), offsets_(std::move(offsets)) {}

std::chrono::seconds ZoneOffsets::at(SysSeconds t) const {
  if (offsets_.empty()) return std::chrono::seconds(0);
  auto hours = std::chrono::floor<std::chrono::hours>(t - from_).count();
  if (hours < 0) return offsets_.front();
  if (static_cast<std::size_t>(hours) >= offsets_.size()) return offsets_.back();
  return offsets_[static_cast<std::size_t>(hours)];
}

int local_minute(SysSeconds t, const ZoneOffsets& zone) {
  auto local = (t + zone.at(t)).time_since_epoch();
  auto minutes = std::chrono::floor<std::chrono::minutes>(local).count() % kMinutesPerDay;
  return static_cast<int>(minutes < 0 ? minutes + kMinutesPerDay : minutes);
}

bool inside(const SendWindow& window, SysSeconds t, const ZoneOffsets& zone) {
  int m = local_minute(t, zone);
  if (window.start_minute == window.end_minute) return true;
  if (window.start_minute < window.end_minute) return m >= window.start_minute && m < window.end_minute;
  return m >= window.start_minute || m < window.end_minute;
}

std::optional<SysSeconds> opens_at(const SendWindow& window, SysSeconds t, const ZoneOffsets& zone) {
  if (inside(window, t, zone)) return std::nullopt;
  int m = local_minute(t, zone);
  int wait = (window.start_minute - m + kMinutesPerDay) % kMinutesPerDay;
  auto start_of_minute = std::chrono::floor<std::chrono::minutes>(t);
  auto at = SysSeconds(start_of_minute + std::chrono::minutes(wait));
  // Across a change of offset (daylight saving) the local clock jumps: step to the first inside minute.
  for (int i = 0; i < 120 && !inside(window, at, zone); ++i)
    at += std::chrono::minutes(1);
  for (int i = 0;
       i < 120 && at - std::chrono::minutes(1) > t && inside(window, at - std::chrono::minutes(1), zone); ++i)
    at -= std::chrono::minutes(1);
  return at;
}

std::string describe(const SendWindow& window) {
  return hh_mm(window.start_minute) + "-" + hh_mm(window.end_minute) + " " + window.time_zone;
}

}  // namespace campaigns::send
