#include "campaigns/formats/timestamp.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

namespace campaigns {
namespace {

// Reads exactly width digits at text[at...]; nothing when they are not all digits.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t width) {
  if (at + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// Any time of the accepted forms; parse_timestamp then keeps those format_timestamp can write.
std::optional<std::chrono::sys_seconds> parse_any_timestamp(std::string_view text) {
  using namespace std::chrono;
  if (!text.empty() && text.size() <= 12 && text.find_first_not_of("0123456789") == std::string_view::npos) {
    long long seconds = 0;
    std::from_chars(text.data(), text.data() + text.size(), seconds);
    return sys_seconds{std::chrono::seconds{seconds}};
  }
  // YYYY-MM-DDTHH:MM:SS then Z or ±HH:MM
  if (text.size() != 20 && text.size() != 25) return std::nullopt;
  auto year = digits(text, 0, 4), month = digits(text, 5, 2), day = digits(text, 8, 2);
  auto hour = digits(text, 11, 2), minute = digits(text, 14, 2), second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  year_month_day date{std::chrono::year{*year}, std::chrono::month{static_cast<unsigned>(*month)},
                      std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  seconds offset{0};
  if (text.size() == 20) {
    if (text[19] != 'Z' && text[19] != 'z') return std::nullopt;
  } else {
    auto offset_hours = digits(text, 20, 2), offset_minutes = digits(text, 23, 2);
    if ((text[19] != '+' && text[19] != '-') || text[22] != ':' || !offset_hours || !offset_minutes ||
        *offset_hours > 23 || *offset_minutes > 59)
      return std::nullopt;
    offset = hours{*offset_hours} + minutes{*offset_minutes};
    if (text[19] == '-') offset = -offset;
  }
  return sys_days{date} + hours{*hour} + minutes{*minute} + seconds{std::min(*second, 59)} - offset;
}

}  // namespace

std::string format_timestamp(std::chrono::sys_seconds time) {
  std::time_t t = time.time_since_epoch().count();
  std::tm parts{};
  gmtime_r(&t, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view text) {
  auto time = parse_any_timestamp(text);
  if (!time || time->time_since_epoch().count() < 0 || *time > kLatestTimestamp) return std::nullopt;
  return time;
}

}  // namespace campaigns
