#include "campaigns/bounces/report/report_time.hpp"

#include <charconv>

#include "campaigns/formats/timestamp.hpp"

namespace campaigns {

std::optional<std::chrono::sys_seconds> parse_report_time(std::string_view text,
                                                          std::chrono::sys_seconds now) {
  if (text.size() >= 2) {
    std::int64_t unit = 0;
    switch (text.back()) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 7 * 86400;
        break;
      default:
        break;
    }
    if (unit != 0) {
      auto digits = text.substr(0, text.size() - 1);
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      constexpr std::int64_t kMaxBack = 100LL * 366 * 86400;  // a century: past that, a typo
      if (ec != std::errc{} || end != digits.data() + digits.size() || n <= 0 || n > kMaxBack / unit)
        return std::nullopt;
      return now - std::chrono::seconds{n * unit};
    }
  }
  return parse_timestamp(text);
}

}  // namespace campaigns
