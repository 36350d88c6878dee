// accounting_log.hpp — one JSON line per delivery attempt: the file operators and `relayctl bounces` read.
// Each line goes out in one write(2) on an O_APPEND descriptor, so readers never see half a line. Rotation
// never loses a line: rotate() (automatic past a size) renames and reopens under the same lock as write(),
// and reopen() follows an external logrotate that moved the file away (call it on SIGHUP).
// write() reports where the line ended (LogPosition: the file's device and inode, and the offset after the
// line), so a reader of the log (campaigns/bounces/events/) can checkpoint what it has consumed and read
// on from there after a restart; parse_json_line() reads a line back.
// Errors: write/rotate return std::error_code; nothing throws. Field values may hold remote replies: they
// are JSON-escaped (invalid UTF-8 replaced), so a line is always one valid JSON object.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
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
// The attempt of a line to_json_line made (without its newline); nullopt for anything else (not JSON, a
// field missing or of the wrong type, a time that is not ours). Untrusted: the line may be damaged.
std::optional<Attempt> parse_json_line(std::string_view line);

// A place in the log: the file (device, inode) and an offset in it. inode 0: unknown (no log written).
struct LogPosition {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;
  friend bool operator==(const LogPosition&, const LogPosition&) = default;
};

class AccountingLog {
 public:
  // rotate_bytes: rotate automatically once the file reaches this size (0: never, leave it to logrotate).
  explicit AccountingLog(std::filesystem::path path, std::uint64_t rotate_bytes = 0);
  ~AccountingLog();
  AccountingLog(const AccountingLog&) = delete;
  AccountingLog& operator=(const AccountingLog&) = delete;

  // after (when given): the position just past the line written.
  std::error_code write(const Attempt& attempt, LogPosition* after = nullptr);
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
  std::uint64_t device_ = 0, inode_ = 0;  // of the file fd_ writes
};

}  // namespace mta::delivery
