#include "mta/config/duration.hpp"

#include <array>
#include <charconv>

namespace mta::config {
namespace {

struct Unit {
  char letter;
  long long seconds;
};
constexpr std::array<Unit, 4> kUnits{{{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};
constexpr long long kMaxSeconds = 10LL * 366 * 86400;

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  long long total = 0;
  std::size_t next_unit = 0;  // units must come largest first, each once
  while (!text.empty()) {
    long long value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr == text.data() || value < 0 || value > kMaxSeconds) return std::nullopt;
    std::size_t digits = static_cast<std::size_t>(ptr - text.data());
    if (digits == text.size()) return std::nullopt;  // a number without a unit
    char letter = text[digits];
    std::size_t unit = next_unit;
    while (unit < kUnits.size() && kUnits[unit].letter != letter)
      ++unit;
    if (unit == kUnits.size()) return std::nullopt;
    total += value * kUnits[unit].seconds;
    if (total > kMaxSeconds) return std::nullopt;
    next_unit = unit + 1;
    text.remove_prefix(digits + 1);
  }
  return std::chrono::seconds(total);
}

std::string format_duration(std::chrono::seconds value) {
  long long left = value.count();
  if (left <= 0) return "0s";
  std::string out;
  for (const auto& unit : kUnits) {
    if (left >= unit.seconds) {
      out += std::to_string(left / unit.seconds) + unit.letter;
      left %= unit.seconds;
    }
  }
  return out;
}

}  // namespace mta::config
