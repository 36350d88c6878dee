// clamd_client.hpp — asks clamd whether a message carries a virus, with its INSTREAM command
// ("zINSTREAM\0", chunks each behind a 4-byte big-endian length, a zero length to end, one reply up to NUL)
// over a unix socket ("unix:/path") or TCP ("HOST:PORT"). clamd decodes the MIME parts itself.
// Blocking and thread-safe: scan() is const and opens its own connection. The whole exchange is bounded by
// ScannerConfig::timeout. Errors are values: clamd down, slow, a reply we do not understand, or a message
// over clamd's StreamMaxLength ("INSTREAM size limit exceeded") is Status::error — never clean.
// Untrusted input: the reply (bounded to kMaxClamdReply bytes).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mta/config/inbound.hpp"

namespace mta::inbound::scan {

struct VirusScan {
  // too_large: over clamd's StreamMaxLength ("INSTREAM size limit exceeded"); it can never be scanned there.
  enum class Status { clean, infected, error, too_large };  // a scoped enum: "error" is also the message member
  Status status = Status::error;
  std::string signature;  // infected: the signature's name as clamd reports it
  std::string error;      // error: what went wrong
};

inline constexpr std::size_t kMaxClamdReply = 4096;

// clamd's reply to an INSTREAM ("stream: OK", "stream: NAME FOUND", "REASON ERROR"), without its NUL;
// an error says the REASON (or quotes a reply it does not understand).
// Pure; exposed for tests.
VirusScan parse_instream_reply(std::string_view reply);

class ClamdClient {
 public:
  explicit ClamdClient(config::ScannerConfig config);

  VirusScan scan(std::string_view message) const;

 private:
  config::ScannerConfig config_;
};

}  // namespace mta::inbound::scan
