// line_reader.hpp — splits the bytes a client sends into command lines without ever holding more than
// the limit: a line longer than max_bytes is discarded up to its LF and reported as too long.
// Lines end with LF; a CR before it is removed (clients that send bare LF still get served in the command
// phase; DATA is strict, see data_reader.hpp). Untrusted input: everything fed to it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mta::smtp {

class LineReader {
 public:
  explicit LineReader(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  struct Line {
    std::string text;
    bool too_long = false;
  };

  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next complete line, if any. The internal buffer never grows past max_bytes plus one read.
  std::optional<Line> next();
  // Bytes received but not yet returned as lines (pipelined input); STARTTLS discards them.
  bool has_buffered() const { return !buffer_.empty(); }
  std::string take_buffered();
  void discard_buffered() { buffer_.clear(); }

 private:
  std::size_t max_bytes_;
  std::string buffer_;
  bool discarding_ = false;
};

}  // namespace mta::smtp
