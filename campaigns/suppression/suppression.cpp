#include "campaigns/suppression/suppression.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace campaigns {
namespace {

constexpr std::array<std::pair<Reason, std::string_view>, 6> kReasons{{
    {Reason::hard_bounce, "hard-bounce"},
    {Reason::soft_bounce, "soft-bounce"},
    {Reason::complaint, "complaint"},
    {Reason::unsubscribe, "unsubscribe"},
    {Reason::manual, "manual"},
    {Reason::import, "import"},
}};

}  // namespace

std::string_view to_string(Reason reason) {
  for (const auto& [value, name] : kReasons)
    if (value == reason) return name;
  return "manual";
}

std::optional<Reason> parse_reason(std::string_view text) {
  for (const auto& [value, name] : kReasons)
    if (name == text) return value;
  return std::nullopt;
}

bool is_valid_source(std::string_view source) {
  return source.size() <= kMaxSourceLength && std::none_of(source.begin(), source.end(), [](char c) {
           return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
         });
}

}  // namespace campaigns
