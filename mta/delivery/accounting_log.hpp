// accounting_log.hpp — one JSON line per delivery attempt: the file operators and `relayctl bounces` read.
// Each line goes out in one write(2) on an O_APPEND descriptor, so readers never see half a line. Rotation
// never loses a line: rotate() (automatic past a size) renames and reopens under the same lock as write(),
// and reopen() follows an external logrotate that moved the file away (call it on SIGHUP).
// Errors: write/rotate return std::error_code; nothing throws. Field values may hold remote replies: they
// are JSON-escaped (invalid UTF-8 replaced), so a line is always one valid JSON object.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>

namespace mta::delivery {

struct Attempt {
  std::chrono::system_clock::time_point time{};
  std::string queue_id;
  std::string sender;
  std::string recipient;
  std::string destination;  // the queue: the domain, or the MX set it shares with others
  std::string mx_host;
  std::string mx_ip;
  std::string egress_source;  // [[delivery.source]] name, or "" when no pool applies (the OS's choice)
  std::string egress_ip;      // the local address the connection left from (or the source's, if bound failed)
  std::string tls;            // "TLSv1.3", or "" for plaintext
  std::string result;         // delivered | deferred | bounced | expired
  std::string reply;          // the server's reply, or what went wrong ("connection refused")
  std::string enhanced_code;  // "5.1.1", or ""
  unsigned attempt = 0;       // 1 for the first try
};

// The JSON object of one attempt, without the newline.
std::string to_json_line(const Attempt& attempt);

class AccountingLog {
 public:
  // rotate_bytes: rotate automatically once the file reaches this size (0: never, leave it to logrotate).
  explicit AccountingLog(std::filesystem::path path, std::uint64_t rotate_bytes = 0);
  ~AccountingLog();
  AccountingLog(const AccountingLog&) = delete;
  AccountingLog& operator=(const AccountingLog&) = delete;

  std::error_code write(const Attempt& attempt);
  std::error_code reopen();
  // Renames the file to PATH.YYYYMMDDTHHMMSS (a counter added if taken) and starts a new one.
  std::error_code rotate();

 private:
  std::error_code open_locked();
  std::error_code rotate_locked();

  std::filesystem::path path_;
  std::uint64_t rotate_bytes_;
  std::mutex mutex_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

}  // namespace mta::delivery
