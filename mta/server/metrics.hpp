// metrics.hpp — the daemon's counters and the admin HTTP listener that serves them to Prometheus at
// GET /metrics ([admin] metrics_listen, loopback by default). Counters are lock-free atomics bumped by the
// SMTP sessions; queue gauges are read from the spool, delivery counters from the engine, per scrape.
// Untrusted input: the HTTP request, read up to 8 KiB with a 10 s deadline; anything but GET /metrics gets
// 404, a malformed request 400.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "dns/host_port.hpp"
#include "mta/queue/engine.hpp"
#include "mta/smtp/reply.hpp"
#include "mta/spool/spool.hpp"

namespace mta::server {

struct Metrics {
  std::atomic<std::uint64_t> sessions{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> messages_accepted{0};
  std::atomic<std::uint64_t> messages_signed{0};   // DKIM-signed before spooling
  std::atomic<std::uint64_t> messages_refused{0};  // a DATA that ended without 250
  std::atomic<std::uint64_t> auth_successes{0};
  std::atomic<std::uint64_t> auth_failures{0};
  std::array<std::atomic<std::uint64_t>, smtp::kSmtpErrorCount> refusals{};  // by smtp::SmtpError
};

// The exposition text (Prometheus text format 0.0.4); delivery counters when an engine is given.
std::string render_metrics(const Metrics& metrics, const spool::Spool& spool,
                           const queue::DeliveryEngine* engine = nullptr);

class AdminServer {
 public:
  AdminServer(asio::io_context& io, const Metrics& metrics, const spool::Spool& spool,
              const queue::DeliveryEngine* engine = nullptr);
  std::string listen(const dns::HostPort& address);  // error message, empty on success
  void start();
  void stop();

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(asio::ip::tcp::socket socket);

  asio::io_context& io_;
  const Metrics& metrics_;
  const spool::Spool& spool_;
  const queue::DeliveryEngine* engine_;
  asio::ip::tcp::acceptor acceptor_;
};

}  // namespace mta::server
