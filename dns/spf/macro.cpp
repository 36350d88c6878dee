#include "dns/spf/macro.hpp"

#include <algorithm>
#include <vector>

#include "dns/ascii.hpp"

namespace dns::spf {

namespace {

constexpr std::string_view kDelimiters = ".-+,/_=";
constexpr unsigned kMaxDigits = 128;

std::string ip_dotted(const asio::ip::address& ip) {  // %{i}: IPv6 as dot-separated nibbles
  if (ip.is_v4()) return ip.to_string();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto byte : ip.to_v6().to_bytes()) {
    out += kHex[byte >> 4];
    out += '.';
    out += kHex[byte & 0xf];
    out += '.';
  }
  out.pop_back();
  return out;
}

std::string url_escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::optional<std::string> letter_value(char letter, const MacroContext& context, MacroUse use) {
  switch (letter) {
    case 's':
      return context.local_part + "@" + context.sender_domain;
    case 'l':
      return context.local_part;
    case 'o':
      return context.sender_domain;
    case 'd':
      return context.domain;
    case 'i':
      return ip_dotted(context.ip);
    case 'p':
      return context.validated_ptr;
    case 'v':
      return std::string(context.ip.is_v4() ? "in-addr" : "ip6");
    case 'h':
      return context.helo;
    default:
      break;
  }
  if (use != MacroUse::explanation) return std::nullopt;
  switch (letter) {
    case 'c':
      return context.ip.to_string();
    case 'r':
      return context.receiver;
    case 't':
      return std::to_string(context.timestamp);
    default:
      return std::nullopt;
  }
}

std::string transform(const std::string& value, unsigned digits, bool reverse, std::string_view delimiters) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : value) {
    if (delimiters.find(c) != std::string_view::npos) {
      parts.push_back(part);
      part.clear();
    } else {
      part += c;
    }
  }
  parts.push_back(part);
  if (reverse) std::reverse(parts.begin(), parts.end());
  if (digits > 0 && digits < parts.size()) parts.erase(parts.begin(), parts.end() - digits);
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i)
    out += (i == 0 ? "" : ".") + parts[i];
  return out;
}

// One pass over input; with context == nullptr only the syntax is checked.
Expansion run(std::string_view input, const MacroContext* context, MacroUse use) {
  Expansion result;
  std::string out;
  auto fail = [&](std::string error) {
    result.error = std::move(error);
    return result;
  };
  for (std::size_t i = 0; i < input.size(); ++i) {
    char c = input[i];
    if (c != '%') {
      if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
        if (use == MacroUse::explanation && c == ' ') {
          out += c;
          continue;
        }
        return fail("a character outside the macro-string syntax");
      }
      out += c;
      continue;
    }
    if (++i >= input.size()) return fail("'%' at the end of a macro string");
    char next = input[i];
    if (next == '%') {
      out += '%';
    } else if (next == '_') {
      out += ' ';
    } else if (next == '-') {
      out += "%20";
    } else if (next == '{') {
      std::size_t close = input.find('}', i);
      if (close == std::string_view::npos) return fail("an unterminated %{ macro");
      std::string_view body = input.substr(i + 1, close - i - 1);
      i = close;
      if (body.empty()) return fail("an empty %{} macro");
      char raw_letter = body[0];
      char letter = ascii::lower(raw_letter);
      std::size_t pos = 1;
      unsigned digits = 0;
      bool has_digits = false;
      while (pos < body.size() && std::isdigit(static_cast<unsigned char>(body[pos]))) {
        digits = std::min(digits * 10 + static_cast<unsigned>(body[pos] - '0'), kMaxDigits + 1);
        has_digits = true;
        ++pos;
      }
      if (has_digits && (digits == 0 || digits > kMaxDigits))
        return fail("a macro transformer of " + std::string(has_digits && digits == 0 ? "0" : "over 128") +
                    " parts");
      bool reverse = false;
      if (pos < body.size() && (body[pos] == 'r' || body[pos] == 'R')) {
        reverse = true;
        ++pos;
      }
      std::string delimiters;
      for (; pos < body.size(); ++pos) {
        if (kDelimiters.find(body[pos]) == std::string_view::npos)
          return fail("'" + std::string(1, body[pos]) + "' is not a macro delimiter");
        delimiters += body[pos];
      }
      if (delimiters.empty()) delimiters = ".";
      MacroContext probe;
      auto value = letter_value(letter, context ? *context : probe, use);
      if (!value)
        return fail("'%{" + std::string(1, raw_letter) + "}' is not a macro letter" +
                    (std::string("crt").find(letter) != std::string::npos ? " outside explanations" : ""));
      if (!context) continue;
      std::string expanded = transform(*value, digits, reverse, delimiters);
      out += std::isupper(static_cast<unsigned char>(raw_letter)) ? url_escape(expanded) : expanded;
    } else {
      return fail("'%" + std::string(1, next) + "' is not a macro (use %%, %_, %- or %{...})");
    }
  }
  result.text = std::move(out);
  return result;
}

}  // namespace

Expansion expand_macros(std::string_view input, const MacroContext& context, MacroUse use) {
  return run(input, &context, use);
}

bool valid_macro_string(std::string_view input, MacroUse use, std::string* error) {
  auto result = run(input, nullptr, use);
  if (error) *error = result.error;
  return result.text.has_value();
}

bool uses_letter(std::string_view input, char letter) {
  for (std::size_t i = 0; i + 2 < input.size(); ++i) {
    if (input[i] == '%' && input[i + 1] == '%') {
      ++i;
      continue;
    }
    if (input[i] == '%' && input[i + 1] == '{' &&
        ascii::lower(input[i + 2]) == letter)
      return true;
  }
  return false;
}

std::string truncate_domain(std::string name) {
  while (name.size() > 253) {
    auto dot = name.find('.');
    if (dot == std::string::npos) return "";
    name.erase(0, dot + 1);
  }
  return name;
}

SenderParts split_sender(std::string_view sender) {
  auto at = sender.rfind('@');
  if (at == std::string_view::npos) return {"postmaster", ascii::lowered(sender)};
  std::string local(sender.substr(0, at));
  if (local.empty()) local = "postmaster";
  return {local, ascii::lowered(sender.substr(at + 1))};
}

}  // namespace dns::spf
