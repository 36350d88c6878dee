// behaviour_sink.hpp — runs tests/support/behaviour_sink.py: an SMTP server on 127.0.0.1 whose answer
// depends on the recipient's local part (accept, reject, tempfail, once, ratelimit, datafail, drop, slow;
// see the script). With tls = true it offers STARTTLS with a fresh self-signed certificate.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace relay::test {

struct BehaviourSinkOptions {
  bool tls = false;
  bool require_tls = false;
  bool pipelining = true;
  bool eightbitmime = true;
  double slow_seconds = 3.0;
  unsigned max_recipients = 0;                                          // 0: no limit per transaction
  std::string too_many_reply = "452 4.5.3 Error: too many recipients";  // to RCPTs past max_recipients
  bool dsn = false;                                                     // offer DSN (RFC 3461)
  // Letters-only word -> the reply its recipients get at RCPT ("550-5.1.1 ...\n550 5.1.1 ..." for several
  // lines): real provider texts, for the bounce tests.
  std::map<std::string, std::string> replies{};
  std::string mail_reply{};        // the reply to every MAIL ("550 5.7.1 ..."); empty: 250
  std::string host = "127.0.0.1";  // another 127.0.0.0/8 address lets a test use port 25 (MX delivery)
};

class BehaviourSink {
 public:
  explicit BehaviourSink(BehaviourSinkOptions options = {}, unsigned short port = 0);  // 0: a free port
  unsigned short port() const { return port_; }
  const std::string& host() const { return host_; }

  struct Stored {
    std::string sender;
    std::vector<std::string> recipients;
    bool tls = false;
    std::string data;                   // as received, after dot-unstuffing
    std::string peer;                   // the client's address
    std::string helo;                   // the name the client gave in EHLO/HELO
    std::vector<std::string> commands;  // the MAIL line and the accepted RCPT lines, as sent
  };
  std::vector<Stored> messages() const;  // in arrival order
  // connect / disconnect / tls / message / mail / rcpt / data, with times.
  std::vector<nlohmann::json> events() const;
  // The events of one kind ("rcpt": every RCPT the sink answered, with recipient and code).
  std::vector<nlohmann::json> events(const std::string& kind) const;

 private:
  TempDir dir_;
  std::string host_;
  unsigned short port_;
  std::unique_ptr<Process> process_;
};

}  // namespace relay::test
