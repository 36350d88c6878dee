// control_socket.hpp — the daemon's local control socket (SPOOL/control.sock, mode 0660, in the 0700
// spool directory): one JSON request line in, one JSON response line out (queue_control.hpp), and the
// blocking client `relayctl queue` uses. Untrusted input: request lines, bounded by kMaxControlRequest.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/thread_pool.hpp>

#include "mta/spool/spool.hpp"

namespace mta::server {

std::filesystem::path control_socket_path(const std::filesystem::path& spool_dir);

class ControlServer {
 public:
  ControlServer(asio::io_context& io, spool::Spool& spool, asio::thread_pool& blocking);
  std::string listen(const std::filesystem::path& path);  // error message, empty on success
  void start();
  void stop();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(asio::local::stream_protocol::socket socket);

  asio::io_context& io_;
  spool::Spool& spool_;
  asio::thread_pool& blocking_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::filesystem::path path_;
};

// Sends one request and returns the response line, or nothing with error set (daemon not running...).
std::optional<std::string> control_call(const std::filesystem::path& path, const std::string& request,
                                        std::string& error);

}  // namespace mta::server
