// smtp_sink.hpp — Postfix's smtp-sink as a receiving SMTP server for tests, on 127.0.0.1 and a free port.
// Its flags choose the behaviour (see smtp-sink(1)): {"-f", "RCPT"} rejects every RCPT with 5xx, {"-r",
// "MAIL"} with 4xx, {"-q", "DATA"} hangs up at DATA, {"-p"} turns PIPELINING off, {"-8"} 8BITMIME off,
// {"-W", "RCPT:3"} answers RCPT after 3 s. Every message is dumped to a file that messages() reads back.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace relay::test {

class SmtpSink {
 public:
  explicit SmtpSink(std::vector<std::string> flags = {});
  unsigned short port() const { return port_; }
  // The dumped messages (smtp-sink's X-* envelope lines first, then the message, LF line ends), oldest first.
  std::vector<std::string> messages() const;

 private:
  TempDir dir_;
  unsigned short port_;
  std::unique_ptr<Process> process_;
};

}  // namespace relay::test
