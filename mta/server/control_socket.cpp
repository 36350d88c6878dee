#include "mta/server/control_socket.hpp"

#include <cerrno>
#include <cstring>
#include <functional>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "mta/log/log.hpp"
#include "mta/server/async_bridge.hpp"
#include "mta/server/queue_control.hpp"

namespace mta::server {

using asio::use_awaitable;
using asio::local::stream_protocol;

std::filesystem::path control_socket_path(const std::filesystem::path& spool_dir) {
  return spool_dir / "control.sock";
}

ControlServer::ControlServer(asio::io_context& io, spool::Spool& spool, asio::thread_pool& blocking)
    : io_(io), spool_(spool), blocking_(blocking), acceptor_(io) {}

std::string ControlServer::listen(const std::filesystem::path& path) {
  path_ = path;
  if (path.string().size() >= sizeof(sockaddr_un::sun_path))
    return path.string() + ": path too long for a UNIX socket; use a shorter [spool] directory";
  ::unlink(path.c_str());
  asio::error_code ec;
  acceptor_.open(stream_protocol(), ec);
  if (!ec) acceptor_.bind(stream_protocol::endpoint(path.string()), ec);
  if (!ec) acceptor_.listen(16, ec);
  if (ec) return "cannot listen on the control socket " + path.string() + ": " + ec.message();
  ::chmod(path.c_str(), 0660);
  return "";
}

void ControlServer::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void ControlServer::stop() {
  asio::post(io_, [this] {
    asio::error_code ec;
    acceptor_.close(ec);
    ::unlink(path_.c_str());
  });
}

asio::awaitable<void> ControlServer::accept_loop() {
  for (;;) {
    asio::error_code ec;
    auto socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (!acceptor_.is_open()) co_return;
      continue;
    }
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

// Locals stay at function scope: GCC 12 may destroy block-scoped locals of a coroutine twice.
asio::awaitable<void> ControlServer::serve(stream_protocol::socket socket) {
  asio::error_code ec;
  asio::streambuf buffer(kMaxControlRequest);
  std::string request, response;
  std::function<std::string()> handle = [this, &request] { return handle_control_request(spool_, request); };
  std::size_t n =
      co_await asio::async_read_until(socket, buffer, '\n', asio::redirect_error(use_awaitable, ec));
  if (ec && ec != asio::error::not_found) co_return;
  if (ec) {
    response = "{\"ok\":false,\"code\":\"bad_request\",\"error\":\"request too long\"}\n";
  } else {
    request.assign(asio::buffers_begin(buffer.data()),
                   asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(n));
    response = co_await async_run<std::string>(blocking_, handle);
  }
  co_await asio::async_write(socket, asio::buffer(response), asio::redirect_error(use_awaitable, ec));
}

std::optional<std::string> control_call(const std::filesystem::path& path, const std::string& request,
                                        std::string& error) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (fd < 0 || path.string().size() >= sizeof address.sun_path) {
    error = "cannot open a socket for " + path.string();
    if (fd >= 0) ::close(fd);
    return std::nullopt;
  }
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  timeval timeout{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    error = "cannot reach the daemon at " + path.string() + " (" + std::strerror(errno) +
            "); is `relayctl serve` running with this configuration?";
    ::close(fd);
    return std::nullopt;
  }
  std::string line = request + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    error = "cannot send to the daemon: " + std::string(std::strerror(errno));
    ::close(fd);
    return std::nullopt;
  }
  std::string response;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      error = "no answer from the daemon: " + std::string(std::strerror(errno));
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    response.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

}  // namespace mta::server
