#include "campaigns/bounces/events/accounting_replay.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace campaigns {
namespace {

using mta::delivery::LogPosition;

bool identify(const std::filesystem::path& path, std::uint64_t& device, std::uint64_t& inode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  device = static_cast<std::uint64_t>(st.st_dev);
  inode = static_cast<std::uint64_t>(st.st_ino);
  return true;
}

// PATH.YYYYMMDDTHHMMSS or PATH.YYYYMMDDTHHMMSS.N, as AccountingLog::rotate names them, by name: in the
// order they were rotated (the counter only breaks ties within a second).
std::vector<std::filesystem::path> rotated_files(const std::filesystem::path& log) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  std::string prefix = log.filename().string() + ".";
  for (const auto& entry :
       std::filesystem::directory_iterator(log.parent_path().empty() ? "." : log.parent_path(), ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() < prefix.size() + 15 || name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string_view stamp = std::string_view(name).substr(prefix.size());
    bool ours =
        stamp.size() >= 15 && stamp[8] == 'T' &&
        std::all_of(stamp.begin(), stamp.begin() + 8, [](char c) { return c >= '0' && c <= '9'; }) &&
        std::all_of(stamp.begin() + 9, stamp.begin() + 15, [](char c) { return c >= '0' && c <= '9'; });
    if (ours) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    // "X.20261206T101500" before "X.20261206T101500.1" before "X.20261206T101500.2", "...10" after ".9"
    auto key = [](const std::filesystem::path& p) {
      std::string name = p.filename().string();
      auto dot = name.find('.', name.find('T'));
      std::string stamp = dot == std::string::npos ? name : name.substr(0, dot);
      long counter = dot == std::string::npos ? 0 : std::strtol(name.c_str() + dot + 1, nullptr, 10);
      return std::pair(stamp, counter);
    };
    return key(a) < key(b);
  });
  return files;
}

// Any PATH.* in the directory that is the checkpoint's file.
std::optional<std::filesystem::path> moved_file(const std::filesystem::path& log, const LogPosition& from) {
  std::error_code ec;
  std::string prefix = log.filename().string() + ".";
  for (const auto& entry :
       std::filesystem::directory_iterator(log.parent_path().empty() ? "." : log.parent_path(), ec)) {
    std::string name = entry.path().filename().string();
    std::uint64_t d = 0, i = 0;
    if (name.compare(0, prefix.size(), prefix) == 0 && identify(entry.path(), d, i) && d == from.device &&
        i == from.inode)
      return entry.path();
  }
  return std::nullopt;
}

}  // namespace

std::vector<ReplayFile> replay_plan(const std::filesystem::path& log, const std::optional<LogPosition>& from,
                                    bool& lost) {
  lost = false;
  std::uint64_t device = 0, inode = 0;
  bool current = identify(log, device, inode);
  if (from && current && from->device == device && from->inode == inode) return {{log, from->offset}};
  std::vector<ReplayFile> plan;
  if (from) {
    auto rotated = rotated_files(log);
    auto it = std::find_if(rotated.begin(), rotated.end(), [&](const std::filesystem::path& p) {
      std::uint64_t d = 0, i = 0;
      return identify(p, d, i) && d == from->device && i == from->inode;
    });
    if (it == rotated.end()) {
      // Moved away by an external logrotate (PATH.1 and the like): that file's rest, then PATH.
      if (auto moved = moved_file(log, *from))
        plan.push_back({*moved, from->offset});
      else
        lost = true;
    } else {
      plan.push_back({*it, from->offset});
      for (++it; it != rotated.end(); ++it)
        plan.push_back({*it, 0});
    }
  }
  if (current) plan.push_back({log, 0});
  return plan;
}

ReplayResult replay_accounting_log(
    const std::filesystem::path& log, const std::optional<LogPosition>& from,
    const std::function<void(const mta::delivery::Attempt&, const LogPosition&)>& each,
    std::size_t max_line) {
  ReplayResult result;
  for (const auto& file : replay_plan(log, from, result.checkpoint_lost)) {
    int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      result.error = file.path.string() + ": " + std::strerror(errno);
      return result;
    }
    struct stat st {};
    ::fstat(fd, &st);
    LogPosition position{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                         file.offset};
    if (file.offset > static_cast<std::uint64_t>(st.st_size)) position.offset = 0;  // not the file we knew
    result.end = position;
    std::string pending;    // the line being read
    bool overlong = false;  // the line being read passed max_line: skip to its end
    std::uint64_t offset = position.offset;
    char buffer[65536];
    for (;;) {
      ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        result.error = file.path.string() + ": " + std::strerror(errno);
        ::close(fd);
        return result;
      }
      if (n == 0) break;
      std::string_view chunk(buffer, static_cast<std::size_t>(n));
      offset += static_cast<std::uint64_t>(n);
      std::uint64_t chunk_start = offset - static_cast<std::uint64_t>(n);
      std::size_t begin = 0;
      for (;;) {
        auto newline = chunk.find('\n', begin);
        std::string_view piece =
            chunk.substr(begin, newline == std::string_view::npos ? std::string_view::npos : newline - begin);
        if (!overlong) {
          if (pending.size() + piece.size() > max_line) {
            overlong = true;
            pending.clear();
          } else {
            pending.append(piece);
          }
        }
        if (newline == std::string_view::npos) break;
        position.offset = chunk_start + newline + 1;
        std::optional<mta::delivery::Attempt> attempt;
        if (!overlong) attempt = mta::delivery::parse_json_line(pending);
        if (attempt) {
          ++result.lines;
          each(*attempt, position);
        } else {
          ++result.damaged;
        }
        pending.clear();
        overlong = false;
        begin = newline + 1;
      }
    }
    ::close(fd);
    result.end = position;
  }
  return result;
}

}  // namespace campaigns
