#include "campaigns/bounces/classify/reply_parts.hpp"

#include <algorithm>
#include <cctype>

namespace campaigns {
namespace {

constexpr std::string_view kExpired = "delivery time expired; last error:";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ')
    text.remove_suffix(1);
  return text;
}

// Reads 1 to 3 digits as a number; nothing when there are none or more than 3.
std::optional<int> read_number(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && n < 4 && is_digit(text[n]))
    ++n;
  if (n == 0 || n > 3) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < n; ++i)
    value = value * 10 + (text[i] - '0');
  text.remove_prefix(n);
  return value;
}

bool at_boundary(std::string_view rest) {
  return rest.empty() || rest.front() == ' ' || rest.front() == '-' || rest.front() == ':' ||
         rest.front() == ',' || rest.front() == ';' || rest.front() == ')';
}

// "550 " or "550-" (or "550" alone); the code must be 200-599.
std::optional<int> take_code(std::string_view& text) {
  if (text.size() < 3 || !is_digit(text[0]) || !is_digit(text[1]) || !is_digit(text[2])) return std::nullopt;
  if (text.size() > 3 && text[3] != ' ' && text[3] != '-') return std::nullopt;
  int code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
  if (code < 200 || code > 599) return std::nullopt;
  text.remove_prefix(std::min<std::size_t>(4, text.size()));
  return code;
}

// "5.1.1", "#5.1.1" or "(5.1.1)": class 2, 4 or 5, subject and detail of 1 to 3 digits.
std::optional<std::array<int, 3>> take_status(std::string_view& text) {
  std::string_view rest = text;
  if (!rest.empty() && (rest.front() == '#' || rest.front() == '(')) rest.remove_prefix(1);
  if (rest.empty() || (rest[0] != '2' && rest[0] != '4' && rest[0] != '5')) return std::nullopt;
  std::array<int, 3> status{rest[0] - '0', 0, 0};
  rest.remove_prefix(1);
  for (int i = 1; i < 3; ++i) {
    if (rest.empty() || rest.front() != '.') return std::nullopt;
    rest.remove_prefix(1);
    auto number = read_number(rest);
    if (!number) return std::nullopt;
    status[static_cast<std::size_t>(i)] = *number;
  }
  if (!rest.empty() && rest.front() == ')') rest.remove_prefix(1);
  if (!at_boundary(rest)) return std::nullopt;
  text = rest;
  return status;
}

std::size_t find_expired(std::string_view text) {
  if (text.size() < kExpired.size()) return std::string_view::npos;
  auto it = std::search(text.begin(), text.end(), kExpired.begin(), kExpired.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it == text.end() ? std::string_view::npos : static_cast<std::size_t>(it - text.begin());
}

}  // namespace

ReplyParts split_reply(std::string_view reply) {
  std::string clean(reply.substr(0, kMaxReplyBytes));
  std::replace_if(
      clean.begin(), clean.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; },
      ' ');
  std::string_view text = trim(clean);
  ReplyParts parts;
  // The expiry's own code and status (451/4.4.7) say nothing about why: its last error does.
  for (auto at = find_expired(text); at != std::string_view::npos; at = find_expired(text)) {
    parts.expired = true;
    text = trim(text.substr(at + kExpired.size()));
  }
  parts.code = take_code(text);
  text = trim(text);
  parts.status = take_status(text);
  text = trim(text);
  // A continuation line's repeated code and status ("550-5.1.1 a 550 5.1.1 b") stay in text; they
  // are harmless to the text patterns.
  parts.text = std::string(text);
  return parts;
}

}  // namespace campaigns
