// reply.hpp — SMTP replies as the delivery client reads them (RFC 5321 §4.2): "250-first line", ...,
// "250 last line", with the enhanced status code of RFC 2034/3463 taken from the text when present.
// ReplyReader is incremental: feed it bytes as they arrive; it yields whole replies. Untrusted input: every
// byte comes from a remote server, so lines and replies are bounded and malformed replies are errors.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mta::delivery {

struct EnhancedCode {
  int klass = 0, subject = 0, detail = 0;  // "5.1.1" = {5, 1, 1}
  std::string to_string() const;
  friend bool operator==(const EnhancedCode&, const EnhancedCode&) = default;
};

// "5.1.1" at the start of text, followed by a space or the end; the class must agree with the reply code.
std::optional<EnhancedCode> parse_enhanced_code(std::string_view text);

struct Reply {
  int code = 0;                    // 200-599
  std::vector<std::string> lines;  // text of each line, after "250-" / "250 "
  std::optional<EnhancedCode> enhanced;

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // "550 5.1.1 no such user" (the lines joined by a space), for logs, DSNs and the accounting log.
  std::string text() const;
  // text() in lower case (ASCII), for matching the phrases servers use ("rate limit", ...).
  std::string lower_text() const;
};

struct ReplyLimits {
  std::size_t max_line = 4096;  // RFC 5321 says 512; real servers send longer, so be lenient but bounded
  std::size_t max_lines = 100;
};

class ReplyReader {
 public:
  explicit ReplyReader(ReplyLimits limits = {}) : limits_(limits) {}

  enum class State { need_more, reply, error };
  // Appends bytes to the internal buffer (bounded: a line longer than max_line is an error).
  void feed(std::string_view bytes);
  // Takes the next whole reply out of the buffer, if one is there. After error, error() says why.
  State next(Reply& out);
  const std::string& error() const { return error_; }
  // Bytes received but not yet part of a whole reply.
  std::size_t buffered() const { return buffer_.size() - consumed_; }

 private:
  ReplyLimits limits_;
  std::string buffer_;
  std::size_t consumed_ = 0;
  Reply partial_;
  bool in_reply_ = false;
  std::string error_;
};

}  // namespace mta::delivery
