#include "mta/smtp/command_parser.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "mta/smtp/ascii.hpp"

namespace mta::smtp {
namespace {

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_high(char c) {
  return static_cast<unsigned char>(c) >= 0x80;
}

// atext of RFC 5322 §3.2.3.
bool is_atext(char c, bool utf8) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return is_alpha(c) || is_digit(c) || kSpecials.find(c) != std::string_view::npos || (utf8 && is_high(c));
}

bool is_dot_string(std::string_view s, bool utf8) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  char previous = 0;
  for (char c : s) {
    if (c == '.' ? previous == '.' : !is_atext(c, utf8)) return false;
    previous = c;
  }
  return true;
}

bool is_quoted_string(std::string_view s, bool utf8) {
  if (s.size() < 2 || s.front() != '"' || s.back() != '"') return false;
  for (std::size_t i = 1; i + 1 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      if (++i + 1 >= s.size()) return false;
      unsigned char e = static_cast<unsigned char>(s[i]);
      if (e < 32 || e > 126) return false;
    } else if (c == '"' || c < 32 || c == 127 || (c >= 128 && !utf8)) {
      return false;
    }
  }
  return true;
}

bool is_label(std::string_view label, bool utf8) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(),
                     [&](char c) { return is_alpha(c) || is_digit(c) || c == '-' || (utf8 && is_high(c)); });
}

bool is_domain(std::string_view domain, bool utf8) {
  if (domain.empty() || domain.size() > 255) return false;
  std::size_t start = 0;
  while (true) {
    auto dot = domain.find('.', start);
    if (!is_label(domain.substr(start, dot - start), utf8)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool is_address_literal(std::string_view s) {
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
  std::string_view inner = s.substr(1, s.size() - 2);
  if (istarts_with(inner, "IPv6:")) {
    inner.remove_prefix(5);
    return !inner.empty() && std::all_of(inner.begin(), inner.end(), [](char c) {
      return is_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f') || c == ':' || c == '.';
    });
  }
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    auto dot = inner.find('.', start);
    auto part = inner.substr(start, dot - start);
    unsigned value = 256;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || part.size() > 3 || ec != std::errc() || end != part.data() + part.size() ||
        value > 255)
      return false;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts == 4;
}

// "<path>" (with "<@a,@b:mailbox>" source routes dropped) followed by parameters.
bool split_path(std::string_view text, std::string& path, std::string_view& rest) {
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);  // "MAIL FROM: <a@b>" is common; tolerate it
  if (text.empty() || text.front() != '<') return false;
  // The closing '>' is the first one outside a quoted local part.
  bool quoted = false;
  std::size_t close = std::string_view::npos;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (quoted && text[i] == '\\') {
      ++i;
      continue;
    }
    if (text[i] == '"') quoted = !quoted;
    if (!quoted && text[i] == '>') {
      close = i;
      break;
    }
  }
  if (close == std::string_view::npos) return false;
  std::string_view inner = text.substr(1, close - 1);
  if (!inner.empty() && inner.front() == '@') {
    auto colon = inner.find(':');
    if (colon == std::string_view::npos) return false;
    inner.remove_prefix(colon + 1);
  }
  path.assign(inner);
  rest = text.substr(close + 1);
  return true;
}

bool parse_parameters(std::string_view rest, Verb verb, MailParameters& params, SmtpError& error) {
  while (!rest.empty()) {
    if (rest.front() != ' ') {
      error = SmtpError::syntax_argument;
      return false;
    }
    while (!rest.empty() && rest.front() == ' ')
      rest.remove_prefix(1);
    if (rest.empty()) break;
    auto end = rest.find(' ');
    std::string_view param = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    auto eq = param.find('=');
    std::string_view keyword = param.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
    bool has_value = eq != std::string_view::npos;
    if (verb == Verb::rcpt) {
      // RFC 3461 §4.1, §4.2: each at most once.
      if (iequals(keyword, "NOTIFY") && has_value && params.notify == 0) {
        auto notify = parse_notify(value);
        if (!notify) {
          error = SmtpError::syntax_argument;
          return false;
        }
        params.notify = *notify;
      } else if (iequals(keyword, "ORCPT") && has_value && !params.orcpt) {
        params.orcpt = value.size() <= 500 ? parse_orcpt(value) : std::nullopt;
        if (!params.orcpt) {
          error = SmtpError::syntax_argument;
          return false;
        }
      } else {
        error = SmtpError::parameter_unknown;
        return false;
      }
      continue;
    }
    if (verb != Verb::mail) {
      error = SmtpError::parameter_unknown;
      return false;
    }
    if (iequals(keyword, "RET") && has_value && params.ret == DsnReturn::unset) {
      if (iequals(value, "FULL"))
        params.ret = DsnReturn::full;
      else if (iequals(value, "HDRS"))
        params.ret = DsnReturn::headers;
      else {
        error = SmtpError::syntax_argument;
        return false;
      }
    } else if (iequals(keyword, "ENVID") && has_value && !params.envid) {
      params.envid = value.size() <= 100 ? xtext_decode(value) : std::nullopt;  // §4.4: at most 100
      if (!params.envid || params.envid->empty()) {
        error = SmtpError::syntax_argument;
        return false;
      }
    } else if (iequals(keyword, "SIZE") && has_value) {
      std::uint64_t size = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), size);
      if (value.empty() || value.size() > 20 || ec != std::errc() || p != value.data() + value.size()) {
        error = SmtpError::syntax_argument;
        return false;
      }
      params.size = size;
    } else if (iequals(keyword, "BODY") && has_value) {
      if (iequals(value, "8BITMIME"))
        params.eight_bit_mime = true;
      else if (!iequals(value, "7BIT")) {
        error = SmtpError::syntax_argument;
        return false;
      }
    } else if (iequals(keyword, "SMTPUTF8") && !has_value) {
      params.smtputf8 = true;
    } else if (iequals(keyword, "AUTH") && has_value) {
      // RFC 4954 §5: the submitter's identity; accepted and not trusted.
    } else {
      error = SmtpError::parameter_unknown;
      return false;
    }
  }
  return true;
}

struct VerbName {
  std::string_view name;
  Verb verb;
};
constexpr std::array kVerbs{
    VerbName{"HELO", Verb::helo}, VerbName{"EHLO", Verb::ehlo}, VerbName{"MAIL", Verb::mail},
    VerbName{"RCPT", Verb::rcpt}, VerbName{"DATA", Verb::data}, VerbName{"RSET", Verb::rset},
    VerbName{"NOOP", Verb::noop}, VerbName{"QUIT", Verb::quit}, VerbName{"VRFY", Verb::vrfy},
    VerbName{"EXPN", Verb::expn}, VerbName{"HELP", Verb::help}, VerbName{"STARTTLS", Verb::starttls},
    VerbName{"AUTH", Verb::auth}};
constexpr std::array<std::string_view, 8> kHttpMethods{"GET",     "POST",    "HEAD",   "PUT",
                                                       "CONNECT", "OPTIONS", "DELETE", "PATCH"};

}  // namespace

bool has_non_ascii(std::string_view text) {
  return std::any_of(text.begin(), text.end(), is_high);
}

bool is_valid_mailbox(std::string_view mailbox, bool utf8) {
  if (mailbox.size() > 254 + 64) return false;
  auto at = mailbox.rfind('@');
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view local = mailbox.substr(0, at), domain = mailbox.substr(at + 1);
  if (local.size() > 64 && !utf8) return false;
  if (!is_dot_string(local, utf8) && !is_quoted_string(local, utf8)) return false;
  return is_domain(domain, utf8) || is_address_literal(domain);
}

std::string mailbox_domain(std::string_view mailbox) {
  auto at = mailbox.rfind('@');
  std::string domain(at == std::string_view::npos ? std::string_view{} : mailbox.substr(at + 1));
  std::transform(domain.begin(), domain.end(), domain.begin(), ascii_lower);
  return domain;
}

bool has_local_part_routing(std::string_view mailbox) {
  auto at = mailbox.rfind('@');
  std::string_view local = at == std::string_view::npos ? mailbox : mailbox.substr(0, at);
  return local.find_first_of("%!@") != std::string_view::npos;
}

ParseResult parse_command(std::string_view line) {
  ParseResult result;
  if (line.find('\0') != std::string_view::npos) {
    result.error = SmtpError::nul_in_command;
    return result;
  }
  auto space = line.find(' ');
  std::string_view word = line.substr(0, space);
  std::string_view rest = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);

  for (auto method : kHttpMethods)
    if (word == method && rest.find("HTTP/") != std::string_view::npos) {
      result.command = Command{Verb::http, {}, {}, {}};
      return result;
    }

  Command command;
  auto known =
      std::find_if(kVerbs.begin(), kVerbs.end(), [&](const VerbName& v) { return iequals(word, v.name); });
  if (known == kVerbs.end()) {
    result.error = SmtpError::syntax;
    return result;
  }
  command.verb = known->verb;
  auto no_argument = [&] {
    if (!rest.empty() && rest.find_first_not_of(' ') != std::string_view::npos) {
      result.error = SmtpError::syntax_argument;
      return false;
    }
    return true;
  };

  switch (command.verb) {
    case Verb::helo:
    case Verb::ehlo: {
      while (!rest.empty() && rest.back() == ' ')
        rest.remove_suffix(1);
      if (rest.empty() || rest.find(' ') != std::string_view::npos ||
          !(is_domain(rest, true) || is_address_literal(rest))) {
        result.error = SmtpError::syntax_argument;
        return result;
      }
      command.argument.assign(rest);
      break;
    }
    case Verb::mail:
    case Verb::rcpt: {
      std::string_view prefix = command.verb == Verb::mail ? "FROM:" : "TO:";
      if (!istarts_with(rest, prefix)) {
        result.error = SmtpError::syntax_argument;
        return result;
      }
      std::string_view params;
      if (!split_path(rest.substr(prefix.size()), command.path, params)) {
        result.error = SmtpError::syntax_argument;
        return result;
      }
      SmtpError error{};
      if (!parse_parameters(params, command.verb, command.params, error)) {
        result.error = error;
        return result;
      }
      bool utf8 = command.params.smtputf8 || command.verb == Verb::rcpt;
      bool postmaster = command.verb == Verb::rcpt && iequals(command.path, "postmaster");
      if (!(command.verb == Verb::mail && command.path.empty()) && !postmaster &&
          !is_valid_mailbox(command.path, utf8)) {
        result.error = command.verb == Verb::mail ? SmtpError::bad_sender : SmtpError::bad_mailbox;
        return result;
      }
      break;
    }
    case Verb::data:
    case Verb::rset:
    case Verb::quit:
    case Verb::starttls:
      if (!no_argument()) return result;
      break;
    case Verb::auth:
      if (rest.empty()) {
        result.error = SmtpError::syntax_argument;
        return result;
      }
      command.argument.assign(rest);
      break;
    default:
      command.argument.assign(rest);
      break;
  }
  result.command = std::move(command);
  return result;
}

}  // namespace mta::smtp
