#include "mta/delivery/reply.hpp"

#include <algorithm>
#include <charconv>

#include "dns/ascii.hpp"

namespace mta::delivery {
namespace {

std::optional<int> parse_number(std::string_view text, int max) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

}  // namespace

std::string EnhancedCode::to_string() const {
  return std::to_string(klass) + "." + std::to_string(subject) + "." + std::to_string(detail);
}

std::optional<EnhancedCode> parse_enhanced_code(std::string_view text) {
  auto end = text.find(' ');
  std::string_view code = text.substr(0, end);
  auto first = code.find('.');
  auto second = first == std::string_view::npos ? first : code.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto klass = code.substr(0, first), subject = code.substr(first + 1, second - first - 1),
       detail = code.substr(second + 1);
  // RFC 3463: class is one digit (2, 4, 5); subject 1-3 digits; detail 1-3 digits.
  if (klass.size() != 1 || subject.empty() || subject.size() > 3 || detail.empty() || detail.size() > 3)
    return std::nullopt;
  auto k = parse_number(klass, 9), s = parse_number(subject, 999), d = parse_number(detail, 999);
  if (!k || !s || !d || (*k != 2 && *k != 4 && *k != 5)) return std::nullopt;
  return EnhancedCode{*k, *s, *d};
}

std::string Reply::text() const {
  std::string out = std::to_string(code);
  for (const auto& line : lines) {
    out += ' ';
    out += line;
  }
  return out;
}

std::string Reply::lower_text() const {
  return ascii::lowered(text());
}

void ReplyReader::feed(std::string_view bytes) {
  if (consumed_ > 0 && consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

ReplyReader::State ReplyReader::next(Reply& out) {
  if (!error_.empty()) return State::error;
  auto fail = [&](std::string why) {
    error_ = std::move(why);
    return State::error;
  };
  while (true) {
    std::string_view rest = std::string_view(buffer_).substr(consumed_);
    auto newline = rest.find('\n');
    if (newline == std::string_view::npos) {
      if (rest.size() > limits_.max_line)
        return fail("reply line longer than " + std::to_string(limits_.max_line) + " octets");
      if (consumed_ > 0) {  // keep the buffer small: drop what has been read
        buffer_.erase(0, consumed_);
        consumed_ = 0;
      }
      return State::need_more;
    }
    std::string_view line = rest.substr(0, newline);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // bare LF tolerated from servers
    consumed_ += newline + 1;
    if (line.size() > limits_.max_line)
      return fail("reply line longer than " + std::to_string(limits_.max_line) + " octets");
    if (line.size() < 3) return fail("reply line too short: \"" + std::string(line) + "\"");
    auto code = parse_number(line.substr(0, 3), 599);
    if (!code || *code < 200 || line[0] > '5')
      return fail("reply does not start with a code 200-599: \"" + std::string(line.substr(0, 40)) + "\"");
    char separator = line.size() > 3 ? line[3] : ' ';
    if (separator != ' ' && separator != '-')
      return fail("bad character after the reply code: \"" + std::string(line.substr(0, 40)) + "\"");
    if (in_reply_ && *code != partial_.code)
      return fail("reply code changed inside a multi-line reply (" + std::to_string(partial_.code) +
                  " then " + std::to_string(*code) + ")");
    if (!in_reply_) {
      partial_ = Reply{};
      partial_.code = *code;
      in_reply_ = true;
    }
    if (partial_.lines.size() >= limits_.max_lines)
      return fail("reply longer than " + std::to_string(limits_.max_lines) + " lines");
    partial_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view{});
    if (separator == ' ') {
      in_reply_ = false;
      if (auto enhanced = parse_enhanced_code(partial_.lines.front());
          enhanced && enhanced->klass == partial_.code / 100)
        partial_.enhanced = enhanced;
      out = std::move(partial_);
      partial_ = Reply{};
      return State::reply;
    }
  }
}

}  // namespace mta::delivery
