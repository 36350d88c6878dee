// data_reader.hpp — reads the DATA phase (RFC 5321 §4.1.1.4, §4.5.2): finds the end (CRLF.CRLF only),
// removes dot-stuffing, and checks the text as it streams: the size limit (the rest is read to the final
// dot and dropped, so the client gets a 552 instead of a broken connection), line length, NUL bytes, and
// bare LF or CR (accepting those is what SMTP smuggling exploits). Bytes after the final dot are returned
// for the command reader (pipelined commands). Untrusted input: everything fed to it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "mta/smtp/reply.hpp"

namespace mta::smtp {

class DataReader {
 public:
  DataReader(std::size_t max_message_bytes, std::size_t max_text_line)
      : max_message_(max_message_bytes), max_line_(max_text_line) {}

  // Consumes bytes; returns how many were used. After done() the rest belongs to the next command.
  std::size_t feed(std::string_view bytes);
  bool done() const { return done_; }
  // The first problem found, if any; the message must then be refused with reply_for(*problem()).
  std::optional<SmtpError> problem() const { return problem_; }
  std::string& body() { return body_; }
  std::size_t received_bytes() const { return received_; }

 private:
  void end_line(bool crlf);
  void flag(SmtpError error) {
    if (!problem_) problem_ = error;
  }

  std::size_t max_message_;
  std::size_t max_line_;
  std::string body_;
  std::string line_;  // the current line, at most max_line_ bytes kept
  std::size_t line_length_ = 0;
  char last_ = '\n';
  bool previous_crlf_ = true;
  std::size_t received_ = 0;
  bool done_ = false;
  std::optional<SmtpError> problem_;
};

}  // namespace mta::smtp
