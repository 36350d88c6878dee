#include "mta/delivery/accounting_log.hpp"

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace mta::delivery {
namespace {

std::string iso_time(std::chrono::system_clock::time_point t) {
  auto seconds = std::chrono::system_clock::to_time_t(t);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32], out[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(out, sizeof out, "%s.%03dZ", buffer, static_cast<int>(millis));
  return out;
}

std::error_code last_error() {
  return {errno, std::generic_category()};
}

}  // namespace

std::string to_json_line(const Attempt& a) {
  nlohmann::ordered_json line{{"time", iso_time(a.time)},
                              {"queue_id", a.queue_id},
                              {"sender", a.sender},
                              {"recipient", a.recipient},
                              {"destination", a.destination},
                              {"mx_host", a.mx_host},
                              {"mx_ip", a.mx_ip},
                              {"egress_source", a.egress_source},
                              {"egress_ip", a.egress_ip},
                              {"tls", a.tls},
                              {"result", a.result},
                              {"reply", a.reply},
                              {"enhanced_code", a.enhanced_code},
                              {"attempt", a.attempt}};
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<Attempt> parse_json_line(std::string_view text) {
  auto line = nlohmann::json::parse(text, nullptr, false);
  if (line.is_discarded() || !line.is_object()) return std::nullopt;
  Attempt a;
  std::string time;
  auto get = [&line](const char* key, std::string& out) {
    auto it = line.find(key);
    if (it == line.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  if (!get("time", time) || !get("queue_id", a.queue_id) || !get("sender", a.sender) ||
      !get("recipient", a.recipient) || !get("destination", a.destination) || !get("mx_host", a.mx_host) ||
      !get("mx_ip", a.mx_ip) || !get("egress_source", a.egress_source) || !get("egress_ip", a.egress_ip) ||
      !get("tls", a.tls) || !get("result", a.result) || !get("reply", a.reply) ||
      !get("enhanced_code", a.enhanced_code))
    return std::nullopt;
  auto attempt = line.find("attempt");
  if (attempt == line.end() || !attempt->is_number_unsigned()) return std::nullopt;
  a.attempt = attempt->get<unsigned>();
  // "YYYY-MM-DDTHH:MM:SS.mmmZ", as iso_time writes it.
  std::tm tm{};
  int millis = 0;
  char zulu = 0;
  if (time.size() != 24 ||
      std::sscanf(time.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis, &zulu) != 8 ||
      zulu != 'Z')
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  a.time = std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(millis);
  return a;
}

AccountingLog::AccountingLog(std::filesystem::path path, std::uint64_t rotate_bytes)
    : path_(std::move(path)), rotate_bytes_(rotate_bytes) {
  std::lock_guard lock(mutex_);
  open_locked();  // a failure shows again, as an error code, at the first write
}

AccountingLog::~AccountingLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::error_code AccountingLog::open_locked() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd_ < 0) return last_error();
  struct stat st {};
  bool known = ::fstat(fd_, &st) == 0;
  size_ = known ? static_cast<std::uint64_t>(st.st_size) : 0;
  device_ = known ? static_cast<std::uint64_t>(st.st_dev) : 0;
  inode_ = known ? static_cast<std::uint64_t>(st.st_ino) : 0;
  return {};
}

std::error_code AccountingLog::write(const Attempt& attempt, LogPosition* after) {
  std::string line = to_json_line(attempt);
  line += '\n';
  std::lock_guard lock(mutex_);
  if (fd_ < 0)
    if (auto ec = open_locked()) return ec;
  if (rotate_bytes_ > 0 && size_ > 0 && size_ + line.size() > rotate_bytes_)
    if (auto ec = rotate_locked()) return ec;
  std::size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return last_error();
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += line.size();
  if (after) *after = {device_, inode_, size_};
  return {};
}

std::error_code AccountingLog::reopen() {
  std::lock_guard lock(mutex_);
  return open_locked();
}

std::error_code AccountingLog::rotate() {
  std::lock_guard lock(mutex_);
  return rotate_locked();
}

std::error_code AccountingLog::rotate_locked() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
  std::filesystem::path target = path_.string() + "." + stamp;
  for (int n = 1; std::filesystem::exists(target); ++n)
    target = path_.string() + "." + stamp + "." + std::to_string(n);
  if (::rename(path_.c_str(), target.c_str()) != 0 && errno != ENOENT) return last_error();
  return open_locked();
}

}  // namespace mta::delivery
