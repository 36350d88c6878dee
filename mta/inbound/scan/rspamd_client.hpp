// rspamd_client.hpp — asks rspamd's normal worker for a spam verdict: one HTTP/1.1 POST /checkv2 per
// message, with the SMTP envelope in rspamd's request headers (IP, Helo, Hostname, From, Rcpt, Queue-Id).
// Blocking and thread-safe: scan() is const and opens its own connection, so a worker pool may call it
// concurrently. Errors are values: a scanner that is down, too slow (ScannerConfig::timeout) or answers
// anything but a well-formed /checkv2 reply gives ok = false with a message saying which.
// Untrusted input: the reply (bounded to kMaxReplyBody, parsed as JSON); envelope fields with CR, LF or
// NUL are not sent (they could not be a header value).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mta/config/inbound.hpp"

namespace mta::inbound::scan {

struct ScanEnvelope {
  std::string client_ip;  // the SMTP client's address
  std::string helo;       // what it said in HELO/EHLO
  std::string hostname;   // its verified PTR name if known, else empty (rspamd then treats it as unknown)
  std::string sender;     // MAIL FROM, empty for the null sender
  std::vector<std::string> recipients;
  std::string queue_id;  // optional: shown in rspamd's log
};

struct SpamScan {
  bool ok = false;
  std::string error;  // set when !ok
  double score = 0;
  double required_score = 0;         // rspamd's own reject threshold (informative; our levels are per domain)
  std::string action;                // rspamd's action: "no action", "greylist", "add header", "reject", ...
  std::vector<std::string> symbols;  // the rules that matched, sorted by name
};

// The largest /checkv2 reply body read; a longer one is an error (a real reply is a few KiB).
inline constexpr std::size_t kMaxReplyBody = 1 << 20;

// The /checkv2 JSON body as a SpamScan (ok = false and why, for anything else). Pure; exposed for tests.
SpamScan parse_checkv2_reply(std::string_view body);

class RspamdClient {
 public:
  // config.address is "HOST:PORT" (rspamd's normal worker, 11333 by default); a malformed one makes every
  // scan fail with that error (the config loader checks it first).
  explicit RspamdClient(config::ScannerConfig config);

  SpamScan scan(const ScanEnvelope& envelope, std::string_view message) const;

 private:
  config::ScannerConfig config_;
  std::string host_;
  int port_ = 0;
  std::string address_error_;
};

}  // namespace mta::inbound::scan
