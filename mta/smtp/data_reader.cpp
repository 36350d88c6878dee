#include "mta/smtp/data_reader.hpp"

namespace mta::smtp {

void DataReader::end_line(bool crlf) {
  // line_ holds the line without its terminator; a CR inside it is a bare CR.
  // The end is CRLF "." CRLF only: after a bare LF a "." line is data (the SMTP smuggling vector).
  bool after_crlf = previous_crlf_;
  previous_crlf_ = crlf;
  if (crlf && after_crlf && line_length_ == 1 && line_ == ".") {
    done_ = true;
    return;
  }
  if (!crlf) flag(SmtpError::bare_lf_data);
  if (line_length_ + 2 > max_line_) flag(SmtpError::text_line_too_long);
  std::string_view text = line_;
  if (!text.empty() && text.front() == '.') text.remove_prefix(1);
  if (body_.size() + text.size() + 2 > max_message_) {
    flag(SmtpError::message_too_big);
  } else if (!problem_) {
    body_.append(text);
    body_.append("\r\n");
  }
  line_.clear();
  line_length_ = 0;
}

std::size_t DataReader::feed(std::string_view bytes) {
  std::size_t used = 0;
  while (used < bytes.size() && !done_) {
    char c = bytes[used++];
    ++received_;
    if (c == '\n') {
      bool crlf = last_ == '\r';
      if (crlf) {
        if (line_.size() == line_length_) line_.pop_back();
        --line_length_;
      }
      last_ = c;
      end_line(crlf);
      continue;
    }
    if (c == '\0') flag(SmtpError::nul_in_data);
    if (last_ == '\r') flag(SmtpError::bare_lf_data);  // a CR not followed by LF
    last_ = c;
    ++line_length_;
    if (line_.size() <= max_line_) line_.push_back(c);
  }
  return used;
}

}  // namespace mta::smtp
