#include "mta/inbound/auth/authentication_results.hpp"

#include <cctype>

#include "dkim/message.hpp"
#include "dns/name.hpp"

namespace mta::inbound::auth {
namespace {

constexpr std::string_view kTspecials = "()<>@,;:\\\"/[]?=";
constexpr std::size_t kFoldAt = 78;  // RFC 5322 §2.1.1's recommended line length

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

bool is_token_char(unsigned char c) {
  return c > 0x20 && c < 0x7f && kTspecials.find(static_cast<char>(c)) == std::string_view::npos;
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (unsigned char c : text)
    if (!is_token_char(c)) return false;
  return true;
}

bool is_atext(unsigned char c) {
  return std::isalnum(c) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_dot_atom(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = text[i];
    if (c == '.' ? text[i + 1] == '.' : !is_atext(c)) return false;
  }
  return true;
}

// [ [ local-part ] "@" ] domain-name, local-part as a dot-atom.
bool is_plain_address(std::string_view text) {
  auto at = text.rfind('@');
  if (at == std::string_view::npos) return false;
  std::string_view local = text.substr(0, at), domain = text.substr(at + 1);
  return (local.empty() || is_dot_atom(local)) && dns::is_valid_hostname(domain);
}

bool is_keyword_char(unsigned char c) {
  return std::isalnum(c) || c == '-';
}

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  bool failed() const { return failed_; }

  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // Skips CFWS; true when anything was skipped. An unterminated comment or a bare line break fails.
  bool skip_cfws() {
    std::size_t start = pos_;
    while (!at_end() && !failed_) {
      if (skip_fws()) continue;
      if (peek() != '(') break;
      skip_comment();
    }
    return pos_ != start;
  }

  std::optional<std::string> keyword() {
    std::size_t start = pos_;
    while (!at_end() && is_keyword_char(static_cast<unsigned char>(peek())))
      ++pos_;
    if (pos_ == start || text_[start] == '-') return std::nullopt;
    return std::string(text_.substr(start, pos_ - start));
  }

  std::optional<std::string> digits() {
    std::size_t start = pos_;
    while (!at_end() && std::isdigit(static_cast<unsigned char>(peek())))
      ++pos_;
    if (pos_ == start || pos_ - start > 9) return std::nullopt;
    return std::string(text_.substr(start, pos_ - start));
  }

  // value = token / quoted-string (RFC 2045 §5.1)
  std::optional<std::string> value() {
    if (peek() == '"') return quoted_string();
    std::size_t start = pos_;
    while (!at_end() && is_token_char(static_cast<unsigned char>(peek())))
      ++pos_;
    if (pos_ == start) return std::nullopt;
    return std::string(text_.substr(start, pos_ - start));
  }

  // pvalue = value / [ [ local-part ] "@" ] domain-name
  std::optional<std::string> pvalue() {
    std::string out;
    if (peek() == '"') {
      auto quoted = quoted_string();
      if (!quoted) return std::nullopt;
      if (peek() != '@') return quoted;
      out = *quoted;
    }
    std::size_t start = pos_;
    while (!at_end()) {
      unsigned char c = static_cast<unsigned char>(peek());
      if (is_control(c) || c == ' ' || c == ';' || c == '(' || c == '"' || c >= 0x80) break;
      ++pos_;
    }
    std::string_view run = text_.substr(start, pos_ - start);
    if (!out.empty()) {
      if (run.size() < 2 || run.front() != '@' || !dns::is_valid_hostname(run.substr(1))) return std::nullopt;
      return out + std::string(run);
    }
    if (!is_token(run) && !is_plain_address(run) && !dns::is_valid_hostname(run)) return std::nullopt;
    return std::string(run);
  }

 private:
  bool skip_fws() {
    char c = peek();
    if (c == ' ' || c == '\t') {
      ++pos_;
      return true;
    }
    std::size_t ending = text_.substr(pos_, 2) == "\r\n" ? 2 : c == '\n' ? 1 : 0;
    if (ending == 0) return false;
    char next = pos_ + ending < text_.size() ? text_[pos_ + ending] : '\0';
    if (next != ' ' && next != '\t') {
      failed_ = true;  // a line break not followed by white space ends the field
      return false;
    }
    pos_ += ending;
    return true;
  }

  void skip_comment() {
    int depth = 0;
    while (!at_end()) {
      char c = peek();
      if (c == '\\') {
        pos_ += 2;
        continue;
      }
      if (c == '\r' || c == '\n') {
        if (!skip_fws()) break;
        continue;
      }
      ++pos_;
      if (c == '(') ++depth;
      if (c == ')' && --depth == 0) return;
    }
    failed_ = true;
  }

  std::optional<std::string> quoted_string() {
    std::string out;
    ++pos_;
    while (!at_end()) {
      char c = peek();
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\\' && pos_ + 1 < text_.size()) {
        out += text_[pos_ + 1];
        pos_ += 2;
        continue;
      }
      if (c == '\r' || c == '\n') {
        if (!skip_fws()) return std::nullopt;
        out += ' ';
        continue;
      }
      if (is_control(static_cast<unsigned char>(c)) && c != '\t') return std::nullopt;
      out += c;
      ++pos_;
    }
    return std::nullopt;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

std::string without_controls(std::string_view text) {
  std::string out;
  for (char c : text)
    if (!is_control(static_cast<unsigned char>(c))) out += c;
  return out;
}

// After an element, the next one must be separated by CFWS, or be ';' or the end.
bool separated(Reader& reader) {
  bool skipped = reader.skip_cfws();
  return !reader.failed() && (skipped || reader.at_end() || reader.peek() == ';');
}

std::optional<ResultInfo> parse_resinfo(Reader& reader) {
  ResultInfo info;
  auto method = reader.keyword();
  if (!method) return std::nullopt;
  info.method = *method;
  reader.skip_cfws();
  if (reader.consume('/')) {
    reader.skip_cfws();
    if (!reader.digits()) return std::nullopt;
    reader.skip_cfws();
  }
  if (!reader.consume('=')) return std::nullopt;
  reader.skip_cfws();
  auto result = reader.keyword();
  if (!result || !separated(reader)) return std::nullopt;
  info.result = *result;
  while (!reader.at_end() && reader.peek() != ';') {
    auto type = reader.keyword();
    if (!type) return std::nullopt;
    reader.skip_cfws();
    if (*type == "reason" && reader.peek() == '=') {
      reader.consume('=');
      reader.skip_cfws();
      if (!reader.value() || !separated(reader)) return std::nullopt;
      continue;
    }
    ResultProperty property;
    property.type = *type;
    if (!reader.consume('.')) return std::nullopt;
    reader.skip_cfws();
    auto name = reader.keyword();
    if (!name) return std::nullopt;
    property.property = *name;
    reader.skip_cfws();
    if (!reader.consume('=')) return std::nullopt;
    reader.skip_cfws();
    auto value = reader.pvalue();
    if (!value || !separated(reader)) return std::nullopt;
    property.value = *value;
    info.properties.push_back(std::move(property));
  }
  return info;
}

}  // namespace

std::string quote_value(std::string_view value) {
  std::string clean = without_controls(value);
  if (is_token(clean) || is_plain_address(clean)) return clean;
  std::string out = "\"";
  for (char c : clean) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string comment_text(std::string_view text, std::size_t max_length) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max_length) break;
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    if (c == '(') c = '[';  // nested comments must balance; untrusted text need not
    if (c == ')') c = ']';
    if (c < 0x20 || c >= 0x7f || c == '\\') continue;
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += static_cast<char>(c);
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::string format(const AuthenticationResults& results) {
  std::string out = "Authentication-Results: " + quote_value(results.authserv_id);
  if (results.version) out += " " + std::to_string(*results.version);
  if (results.results.empty()) return out + "; none\r\n";
  for (const auto& info : results.results) {
    out += ";\r\n\t";
    std::string line = info.method + "=" + info.result;
    auto add = [&](const std::string& element) {
      if (1 + line.size() + 1 + element.size() > kFoldAt) {
        out += line + "\r\n\t";
        line = element;
      } else {
        line += " " + element;
      }
    };
    if (auto comment = comment_text(info.comment); !comment.empty()) add("(" + comment + ")");
    for (const auto& property : info.properties)
      add(property.type + "." + property.property + "=" + quote_value(property.value));
    out += line;
  }
  return out + "\r\n";
}

std::optional<std::string> parse_authserv_id(std::string_view value) {
  Reader reader(value);
  reader.skip_cfws();
  if (reader.failed()) return std::nullopt;
  return reader.value();
}

std::optional<AuthenticationResults> parse(std::string_view value) {
  Reader reader(value);
  AuthenticationResults out;
  reader.skip_cfws();
  auto id = reader.value();
  if (!id || !separated(reader)) return std::nullopt;
  out.authserv_id = *id;
  if (auto version = reader.digits()) {
    out.version = static_cast<unsigned>(std::stoul(*version));
    if (!separated(reader)) return std::nullopt;
  }
  if (reader.at_end()) return std::nullopt;
  while (!reader.at_end()) {
    if (!reader.consume(';')) return std::nullopt;
    reader.skip_cfws();
    if (out.results.empty()) {  // no-result = [CFWS] ";" [CFWS] "none"
      Reader probe = reader;
      auto word = probe.keyword();
      probe.skip_cfws();
      if (word && dkim::iequals(*word, "none") && probe.at_end() && !probe.failed()) return out;
    }
    auto info = parse_resinfo(reader);
    if (!info || reader.failed()) return std::nullopt;
    out.results.push_back(std::move(*info));
  }
  return out;
}

}  // namespace mta::inbound::auth
