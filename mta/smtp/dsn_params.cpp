#include "mta/smtp/dsn_params.hpp"

#include <array>

#include "mta/smtp/ascii.hpp"

namespace mta::smtp {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // RFC 3461 hexchar is upper case only
}

struct NotifyName {
  std::string_view name;
  std::uint8_t bit;
};
constexpr std::array kNotifyNames{NotifyName{"SUCCESS", notify_success},
                                  NotifyName{"FAILURE", notify_failure}, NotifyName{"DELAY", notify_delay}};

}  // namespace

bool wants_failure(std::uint8_t notify) {
  return notify == 0 || (notify & notify_failure) != 0;
}
bool wants_delay(std::uint8_t notify) {
  return notify == 0 || (notify & notify_delay) != 0;
}
bool wants_success(std::uint8_t notify) {
  return (notify & notify_success) != 0;
}

std::optional<std::uint8_t> parse_notify(std::string_view value) {
  if (iequals(value, "NEVER")) return notify_never;
  std::uint8_t bits = 0;
  while (true) {
    auto comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    std::uint8_t bit = 0;
    for (const auto& known : kNotifyNames)
      if (iequals(item, known.name)) bit = known.bit;
    if (bit == 0 || (bits & bit)) return std::nullopt;
    bits |= bit;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return bits;
}

std::string format_notify(std::uint8_t notify) {
  if (notify & notify_never) return "NEVER";
  std::string out;
  for (const auto& known : kNotifyNames)
    if (notify & known.bit) out += (out.empty() ? "" : ",") + std::string(known.name);
  return out;
}

std::optional<std::string> xtext_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return std::nullopt;
    } else if (c < '!' || c > '~' || c == '=') {
      return std::nullopt;
    }
    out.push_back(c);
  }
  return out;
}

std::string xtext_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u >= '!' && u <= '~' && c != '+' && c != '=') {
      out.push_back(c);
    } else {
      out.push_back('+');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::optional<std::string> parse_orcpt(std::string_view value) {
  auto semi = value.find(';');
  if (semi == 0 || semi == std::string_view::npos) return std::nullopt;
  std::string_view type = value.substr(0, semi);
  for (char c : type)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
      return std::nullopt;
  auto address = xtext_decode(value.substr(semi + 1));
  if (!address || address->empty()) return std::nullopt;
  return std::string(type) + ";" + *address;
}

std::string format_orcpt(std::string_view orcpt) {
  auto semi = orcpt.find(';');
  if (semi == std::string_view::npos) return xtext_encode(orcpt);
  return std::string(orcpt.substr(0, semi)) + ";" + xtext_encode(orcpt.substr(semi + 1));
}

}  // namespace mta::smtp
