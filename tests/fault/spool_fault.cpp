// spool_fault.cpp — a storage fault injector for tests: LD_PRELOAD it into `relayctl serve` (or link it
// into a test executable) and it wraps fsync, fdatasync, write and pwrite. Files whose path starts with
// $RELAY_FAULT_PATH are affected; every call on them is logged to $RELAY_FAULT_LOG (one line each:
// "write PATH OFFSET LENGTH RESULT", "sync PATH RESULT"). $RELAY_FAULT_CONTROL names a file read at every
// call, so a test switches faults on and off mid-run: a line "sync EIO" fails every sync, "sync-once EIO"
// the next one only (the file is then emptied, as Linux reports a writeback error to one caller), and
// "write ENOSPC" fails writes. An absent or empty control file injects nothing.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <mutex>
#include <string>
#include <unistd.h>

namespace {

template <typename F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

using SyncFn = int (*)(int);
using WriteFn = ssize_t (*)(int, const void*, size_t);
using PwriteFn = ssize_t (*)(int, const void*, size_t, off_t);

std::string path_of(int fd) {
  char link[64], target[PATH_MAX];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
}

bool watched(const std::string& path) {
  const char* prefix = std::getenv("RELAY_FAULT_PATH");
  return prefix && *prefix && path.compare(0, std::strlen(prefix), prefix) == 0;
}

std::string read_control() {
  const char* file = std::getenv("RELAY_FAULT_CONTROL");
  if (!file) return {};
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buffer[256];
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
}

int errno_named(const std::string& control, const std::string& key) {
  auto at = control.find(key + " ");
  if (at == std::string::npos || (at > 0 && control[at - 1] != '\n')) return 0;
  std::string name = control.substr(at + key.size() + 1, control.find('\n', at) - at - key.size() - 1);
  if (name == "EIO") return EIO;
  if (name == "ENOSPC") return ENOSPC;
  if (name == "EDQUOT") return EDQUOT;
  return EIO;
}

void log_line(const std::string& line) {
  const char* file = std::getenv("RELAY_FAULT_LOG");
  if (!file) return;
  int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  std::string text = line + "\n";
  (void)!next<WriteFn>("write")(fd, text.data(), text.size());
  close(fd);
}

std::string result_text(long rc, int error) {
  return rc < 0 ? std::string(strerrorname_np(error)) : std::to_string(rc);
}

std::mutex sync_once_mutex;

// The fault for a sync of a watched file: 0 or an errno value; a one-shot fault is consumed.
int sync_fault() {
  std::lock_guard lock(sync_once_mutex);
  std::string control = read_control();
  if (int e = errno_named(control, "sync")) return e;
  if (int e = errno_named(control, "sync-once")) {
    if (const char* file = std::getenv("RELAY_FAULT_CONTROL")) truncate(file, 0);
    return e;
  }
  return 0;
}

int wrapped_sync(const char* name, int fd) {
  static SyncFn real_fsync = next<SyncFn>("fsync"), real_fdatasync = next<SyncFn>("fdatasync");
  SyncFn real = std::strcmp(name, "fsync") == 0 ? real_fsync : real_fdatasync;
  std::string path = path_of(fd);
  if (!watched(path)) return real(fd);
  int fault = sync_fault();
  int rc = real(fd);
  int error = errno;
  if (fault) rc = -1, error = fault;
  log_line(std::string("sync ") + path + " " + result_text(rc, error));
  errno = error;
  return rc;
}

}  // namespace

extern "C" {

int fsync(int fd) {
  return wrapped_sync("fsync", fd);
}

int fdatasync(int fd) {
  return wrapped_sync("fdatasync", fd);
}

ssize_t pwrite(int fd, const void* data, size_t size, off_t offset) {
  static PwriteFn real = next<PwriteFn>("pwrite");
  std::string path = path_of(fd);
  if (!watched(path)) return real(fd, data, size, offset);
  int fault = errno_named(read_control(), "write");
  ssize_t rc = fault ? -1 : real(fd, data, size, offset);
  int error = fault ? fault : errno;
  log_line("write " + path + " " + std::to_string(offset) + " " + std::to_string(size) + " " +
           result_text(rc, error));
  errno = error;
  return rc;
}

ssize_t pwrite64(int fd, const void* data, size_t size, off_t offset) {
  return pwrite(fd, data, size, offset);
}

ssize_t write(int fd, const void* data, size_t size) {
  static WriteFn real = next<WriteFn>("write");
  if (fd <= 2) return real(fd, data, size);
  std::string path = path_of(fd);
  if (!watched(path)) return real(fd, data, size);
  int fault = errno_named(read_control(), "write");
  ssize_t rc = fault ? -1 : real(fd, data, size);
  int error = fault ? fault : errno;
  log_line("write " + path + " - " + std::to_string(size) + " " + result_text(rc, error));
  errno = error;
  return rc;
}

}  // extern "C"
