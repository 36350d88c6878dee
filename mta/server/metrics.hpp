// metrics.hpp — the daemon's counters and the admin HTTP listener that serves them to Prometheus at
// GET /metrics ([admin] metrics_listen, loopback by default). Counters are lock-free atomics bumped by the
// SMTP sessions; queue gauges are read from the spool, delivery counters from the engine, per scrape.
// Untrusted input: the HTTP request, read up to 8 KiB with a 10 s deadline; anything but GET /metrics gets
// 404, a malformed request 400.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include "dns/host_port.hpp"
#include "mta/queue/engine.hpp"
#include "mta/smtp/reply.hpp"
#include "mta/spool/spool.hpp"

namespace mta::server {

// What became of a request to the one-click unsubscribe endpoint (campaigns/web/), a metrics label each.
enum class UnsubscribeResult {
  unsubscribed,          // POST with a valid token: suppressed now
  already_unsubscribed,  // POST with a valid token: it was suppressed before
  confirmation,          // GET with a valid token: the confirmation page, nothing suppressed
  bad_token,             // missing, malformed, altered or forged token
  unknown_recipient,     // a valid token naming a campaign or recipient the database does not have
  bad_request,           // wrong method, or a POST without List-Unsubscribe=One-Click
  failed,                // the database could not record it (busy, failing)
};
inline constexpr std::size_t kUnsubscribeResultCount =
    static_cast<std::size_t>(UnsubscribeResult::failed) + 1;
const char* to_string(UnsubscribeResult result);

// Messages consumed at the bounce domains (campaigns/bounces/intake), by what they were and what came of
// them: the labels kind and outcome of relayctl_bounce_messages_total (the names of the bounce_messages
// table in campaigns/store/schema.cpp, plus failed: not recorded, the client was told to retry).
enum class BounceMessageKind { dsn, arf, plain_bounce, auto_reply, unknown };
enum class BounceMessageOutcome { recorded, ignored, forged, unknown_campaign, malformed, failed };
inline constexpr std::size_t kBounceMessageKindCount = 5;
inline constexpr std::size_t kBounceMessageOutcomeCount = 6;

struct Metrics {
  std::atomic<std::uint64_t> sessions{0};
  std::atomic<std::uint64_t> connections_refused{0};
  std::atomic<std::uint64_t> messages_accepted{0};
  std::atomic<std::uint64_t> messages_signed{0};   // DKIM-signed before spooling
  std::atomic<std::uint64_t> messages_refused{0};  // a DATA that ended without 250
  std::atomic<std::uint64_t> auth_successes{0};
  std::atomic<std::uint64_t> auth_failures{0};
  std::array<std::atomic<std::uint64_t>, smtp::kSmtpErrorCount> refusals{};  // by smtp::SmtpError
  std::array<std::atomic<std::uint64_t>, kUnsubscribeResultCount> unsubscribe_requests{};
  std::atomic<std::uint64_t> unsubscribes_by_mail{0};  // recipients suppressed by mail to unsubscribe+TOKEN@
  std::atomic<std::uint64_t> campaign_lookup_failures{0};  // campaign database reads or writes that failed
  std::array<std::array<std::atomic<std::uint64_t>, kBounceMessageOutcomeCount>, kBounceMessageKindCount>
      bounce_messages{};
  void count_bounce_message(BounceMessageKind kind, BounceMessageOutcome outcome) {
    ++bounce_messages[static_cast<std::size_t>(kind)][static_cast<std::size_t>(outcome)];
  }
  // Delivery events (campaigns/bounces/events/).
  std::atomic<std::uint64_t> events_recorded{0};        // rows added to delivery_events
  std::atomic<std::uint64_t> event_batches{0};          // transactions committed
  std::atomic<std::uint64_t> event_queue_overflows{0};  // attempts dropped by the full queue (then replayed)
  std::atomic<std::uint64_t> events_replayed{0};        // accounting-log lines read again
  std::atomic<std::uint64_t> event_lines_damaged{0};    // accounting-log lines skipped
  std::atomic<std::uint64_t> event_failures{0};         // batches the database refused (then replayed)
  std::array<std::atomic<std::uint64_t>, 3> bounce_suppressions{};  // hard-bounce, soft-bounce, complaint
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
  // More exposition text appended to every scrape (the inbound side's gauges and counters); set before start().
  void add_section(std::function<std::string()> render) { sections_.push_back(std::move(render)); }

 private:
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> serve(asio::ip::tcp::socket socket);

  asio::io_context& io_;
  const Metrics& metrics_;
  const spool::Spool& spool_;
  const queue::DeliveryEngine* engine_;
  std::vector<std::function<std::string()>> sections_;
  asio::ip::tcp::acceptor acceptor_;
};

}  // namespace mta::server
