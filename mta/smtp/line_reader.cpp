#include "mta/smtp/line_reader.hpp"

namespace mta::smtp {

std::optional<LineReader::Line> LineReader::next() {
  auto lf = buffer_.find('\n');
  if (lf == std::string::npos) {
    if (buffer_.size() > max_bytes_) {
      discarding_ = true;
      buffer_.clear();
    }
    return std::nullopt;
  }
  Line line;
  if (discarding_ || lf + 1 > max_bytes_) {
    line.too_long = true;
    discarding_ = false;
  } else {
    line.text.assign(buffer_, 0, lf);
    if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
  }
  buffer_.erase(0, lf + 1);
  return line;
}

std::string LineReader::take_buffered() {
  std::string out;
  out.swap(buffer_);
  return out;
}

}  // namespace mta::smtp
