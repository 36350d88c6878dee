#include "mta/inbound/scan/clamd_client.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dns/host_port.hpp"

namespace mta::inbound::scan {
namespace {

using Clock = std::chrono::steady_clock;

// clamd's default StreamMaxLength is 25 MiB and its chunks may be any size; 64 KiB keeps syscalls few.
constexpr std::size_t kChunk = 64 * 1024;
constexpr std::string_view kUnixPrefix = "unix:";

VirusScan failure(std::string error) {
  VirusScan scan;
  scan.status = VirusScan::Status::error;
  scan.error = std::move(error);
  return scan;
}

class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket& operator=(Socket&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

enum class Io { ok, closed, timeout };

int millis_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 60'000));
}

Io wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    int left = millis_left(deadline);
    if (left == 0) return Io::timeout;
    pollfd poll_fd{fd, events, 0};
    int ready = ::poll(&poll_fd, 1, left);
    if (ready > 0) return Io::ok;
    if (ready < 0 && errno != EINTR) return Io::closed;
  }
}

// A non-blocking connect to one address, finished within the deadline; empty Socket and errno text if not.
Socket connect_to(const sockaddr* address, socklen_t length, int family, Clock::time_point deadline,
                  std::string& error) {
  Socket socket(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) {
    error = std::strerror(errno);
    return Socket();
  }
  if (::connect(socket.fd(), address, length) == 0) return socket;
  if (errno != EINPROGRESS && errno != EAGAIN) {
    error = std::strerror(errno);
    return Socket();
  }
  if (wait_for(socket.fd(), POLLOUT, deadline) == Io::timeout) {
    error = "connect timed out";
    return Socket();
  }
  int status = 0;
  socklen_t size = sizeof status;
  if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &status, &size) != 0 || status != 0) {
    error = std::strerror(status ? status : errno);
    return Socket();
  }
  return socket;
}

Socket connect_clamd(const std::string& address, Clock::time_point deadline, std::string& error) {
  if (address.starts_with(kUnixPrefix)) {
    std::string path = address.substr(kUnixPrefix.size());
    sockaddr_un unix_address{};
    unix_address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof unix_address.sun_path) {
      error = "bad unix socket path";
      return Socket();
    }
    std::memcpy(unix_address.sun_path, path.data(), path.size());
    return connect_to(reinterpret_cast<const sockaddr*>(&unix_address), sizeof unix_address, AF_UNIX,
                      deadline, error);
  }
  auto parsed = dns::parse_host_port(address, 0);
  if (!parsed.value) {
    error = parsed.error;
    return Socket();
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(parsed.value->port);
  if (int status = ::getaddrinfo(parsed.value->host.c_str(), port.c_str(), &hints, &found); status != 0) {
    error = ::gai_strerror(status);
    return Socket();
  }
  Socket socket;
  for (addrinfo* each = found; each && socket.fd() < 0; each = each->ai_next)
    socket = connect_to(each->ai_addr, each->ai_addrlen, each->ai_family, deadline, error);
  ::freeaddrinfo(found);
  return socket;
}

Io send_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (Io waited = wait_for(fd, POLLOUT, deadline); waited != Io::ok) return waited;
      continue;
    }
    return Io::closed;
  }
  return Io::ok;
}

Io send_stream(int fd, std::string_view message, Clock::time_point deadline) {
  if (Io io = send_all(fd, std::string_view("zINSTREAM\0", 10), deadline); io != Io::ok) return io;
  for (std::size_t offset = 0;; offset += kChunk) {
    std::string_view chunk = message.substr(std::min(offset, message.size()), kChunk);
    std::uint32_t length = htonl(static_cast<std::uint32_t>(chunk.size()));
    char prefix[4];
    std::memcpy(prefix, &length, sizeof prefix);
    if (Io io = send_all(fd, std::string_view(prefix, sizeof prefix), deadline); io != Io::ok) return io;
    if (chunk.empty()) return Io::ok;
    if (Io io = send_all(fd, chunk, deadline); io != Io::ok) return io;
  }
}

// Reads up to the NUL that ends a z-command's reply (or the end of the connection), at most kMaxClamdReply.
Io read_reply(int fd, Clock::time_point deadline, std::string& reply) {
  char buffer[512];
  while (reply.find('\0') == std::string::npos) {
    if (reply.size() > kMaxClamdReply) return Io::closed;
    ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got > 0) {
      reply.append(buffer, static_cast<std::size_t>(got));
      continue;
    }
    if (got == 0) return reply.empty() ? Io::closed : Io::ok;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return reply.empty() ? Io::closed : Io::ok;
    if (Io waited = wait_for(fd, POLLIN, deadline); waited != Io::ok) return waited;
  }
  reply.resize(reply.find('\0'));
  return Io::ok;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.remove_suffix(1);
  return text;
}

}  // namespace

VirusScan parse_instream_reply(std::string_view reply) {
  reply = trimmed(reply);
  constexpr std::string_view kFound = " FOUND", kError = " ERROR", kStream = "stream: ";
  std::string_view text = reply.starts_with(kStream) ? reply.substr(kStream.size()) : reply;
  if (text == "OK") return VirusScan{VirusScan::Status::clean, "", ""};
  if (text.ends_with(kFound) && text.size() > kFound.size()) {
    text.remove_suffix(kFound.size());
    return VirusScan{VirusScan::Status::infected, std::string(text), ""};
  }
  if (text.ends_with(kError)) {
    VirusScan refused = failure(std::string(trimmed(text.substr(0, text.size() - kError.size()))));
    // Over clamd's StreamMaxLength: this message can never be scanned there (a permanent refusal).
    if (refused.error.find("size limit exceeded") != std::string::npos) refused.status = VirusScan::Status::too_large;
    return refused;
  }
  return failure("unexpected reply \"" + std::string(reply.substr(0, 200)) + "\"");
}

ClamdClient::ClamdClient(config::ScannerConfig config) : config_(std::move(config)) {}

VirusScan ClamdClient::scan(std::string_view message) const {
  const auto deadline = Clock::now() + config_.timeout;
  const std::string where = "clamd at " + config_.address;
  const std::string late = where + ": no answer within " + std::to_string(config_.timeout.count()) + " s";
  std::string error;
  Socket socket = connect_clamd(config_.address, deadline, error);
  if (socket.fd() < 0) return failure(where + ": cannot connect: " + error);

  Io sent = send_stream(socket.fd(), message, deadline);
  if (sent == Io::timeout) return failure(late);
  std::string reply;
  Io read = read_reply(socket.fd(), deadline, reply);
  if (sent == Io::closed) {
    // clamd answers a stream over its StreamMaxLength and closes before we have sent it all.
    if (read == Io::ok && !reply.empty()) {
      auto refused = parse_instream_reply(reply);
      VirusScan scan = failure(
          where + ": " +
          (refused.status != VirusScan::Status::clean && refused.status != VirusScan::Status::infected
               ? refused.error
               : std::string(trimmed(reply))));
      if (refused.status == VirusScan::Status::too_large) scan.status = VirusScan::Status::too_large;
      return scan;
    }
    return failure(where +
                   ": the connection closed while sending the message (larger than clamd's "
                   "StreamMaxLength?)");
  }
  if (read == Io::timeout) return failure(late);
  if (read == Io::closed && reply.size() > kMaxClamdReply)
    return failure(where + ": a reply longer than " + std::to_string(kMaxClamdReply) + " bytes");
  if (read == Io::closed) return failure(where + ": the connection closed without an answer");
  auto scan = parse_instream_reply(reply);
  if (scan.status == VirusScan::Status::error || scan.status == VirusScan::Status::too_large)
    scan.error = where + ": " + scan.error;
  return scan;
}

}  // namespace mta::inbound::scan
