#include "tests/support/peer_socket.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace relay::test {
namespace {

constexpr std::size_t kMaxReply = 64 * 1024;

std::string exchange(int fd, const sockaddr* address, socklen_t length, std::string_view request,
                     std::chrono::milliseconds timeout) {
  std::string reply;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  timeval limit{static_cast<time_t>(timeout.count() / 1000),
                static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  if (connect(fd, address, length) != 0 ||
      send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return reply;
  }
  char buffer[4096];
  while (reply.size() < kMaxReply) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd poll_fd{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) break;
    ssize_t got = recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    reply.append(buffer, static_cast<std::size_t>(got));
  }
  close(fd);
  return reply;
}

}  // namespace

std::string exchange_tcp(const std::string& host, unsigned short port, std::string_view request,
                         std::chrono::milliseconds timeout) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) return {};
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  return exchange(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address, request, timeout);
}

std::string exchange_unix(const std::string& path, std::string_view request,
                          std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return {};
  std::memcpy(address.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  return exchange(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address, request, timeout);
}

}  // namespace relay::test
