#include "mta/server/metrics.hpp"

#include <chrono>
#include <iterator>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

namespace mta::server {

using asio::use_awaitable;
using asio::ip::tcp;

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, std::uint64_t value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
         std::to_string(value) + "\n";
}

constexpr const char* kBounceKindNames[] = {"dsn", "arf", "plain-bounce", "auto-reply", "unknown"};
static_assert(std::size(kBounceKindNames) == kBounceMessageKindCount);
constexpr const char* kBounceOutcomeNames[] = {"recorded",         "ignored",   "forged",
                                               "unknown-campaign", "malformed", "failed"};
static_assert(std::size(kBounceOutcomeNames) == kBounceMessageOutcomeCount);
constexpr const char* kUnsubscribeResultNames[] = {"unsubscribed", "already_unsubscribed", "confirmation",
                                                   "bad_token",    "unknown_recipient",    "bad_request",
                                                   "failed"};
static_assert(std::size(kUnsubscribeResultNames) == kUnsubscribeResultCount);
constexpr const char* kBounceSuppressionReasons[] = {"hard-bounce", "soft-bounce", "complaint"};

}  // namespace

const char* to_string(UnsubscribeResult result) {
  return kUnsubscribeResultNames[static_cast<std::size_t>(result)];
}

std::string render_metrics(const Metrics& m, const spool::Spool& spool, const queue::DeliveryEngine* engine) {
  std::string out;
  metric(out, "relayctl_smtp_sessions_total", "counter", "SMTP sessions accepted.", m.sessions.load());
  metric(out, "relayctl_smtp_connections_refused_total", "counter",
         "Connections refused with 421 by the connection limits.", m.connections_refused.load());
  metric(out, "relayctl_smtp_messages_accepted_total", "counter",
         "Messages acknowledged with 250 after DATA.", m.messages_accepted.load());
  metric(out, "relayctl_dkim_messages_signed_total", "counter",
         "Messages DKIM-signed (one or more signatures) before they were spooled.", m.messages_signed.load());
  metric(out, "relayctl_smtp_messages_refused_total", "counter", "Messages refused after DATA.",
         m.messages_refused.load());
  metric(out, "relayctl_smtp_auth_successes_total", "counter", "Successful SMTP AUTH.",
         m.auth_successes.load());
  metric(out, "relayctl_smtp_auth_failures_total", "counter", "Failed SMTP AUTH attempts.",
         m.auth_failures.load());
  out +=
      "# HELP relayctl_smtp_refusals_total SMTP replies refusing a command or message, by reason.\n"
      "# TYPE relayctl_smtp_refusals_total counter\n";
  for (std::size_t i = 0; i < smtp::kSmtpErrorCount; ++i)
    out += std::string("relayctl_smtp_refusals_total{reason=\"") +
           smtp::to_string(static_cast<smtp::SmtpError>(i)) + "\"} " + std::to_string(m.refusals[i].load()) +
           "\n";
  out +=
      "# HELP relayctl_unsubscribe_requests_total Requests to the one-click unsubscribe endpoint, by "
      "result.\n"
      "# TYPE relayctl_unsubscribe_requests_total counter\n";
  for (std::size_t i = 0; i < kUnsubscribeResultCount; ++i)
    out += std::string("relayctl_unsubscribe_requests_total{result=\"") + kUnsubscribeResultNames[i] +
           "\"} " + std::to_string(m.unsubscribe_requests[i].load()) + "\n";
  metric(out, "relayctl_unsubscribe_mail_total", "counter",
         "Recipients suppressed by mail to a campaign's unsubscribe+TOKEN mailbox.",
         m.unsubscribes_by_mail.load());
  out +=
      "# HELP relayctl_bounce_messages_total Messages to the bounce domains, by kind and by what came of "
      "them.\n"
      "# TYPE relayctl_bounce_messages_total counter\n";
  for (std::size_t k = 0; k < kBounceMessageKindCount; ++k)
    for (std::size_t o = 0; o < kBounceMessageOutcomeCount; ++o)
      out += std::string("relayctl_bounce_messages_total{kind=\"") + kBounceKindNames[k] + "\",outcome=\"" +
             kBounceOutcomeNames[o] + "\"} " + std::to_string(m.bounce_messages[k][o].load()) + "\n";
  metric(out, "relayctl_campaign_lookup_failures_total", "counter",
         "Campaign database reads or writes that failed (the mail went on as if not campaign mail).",
         m.campaign_lookup_failures.load());
  metric(out, "relayctl_delivery_events_recorded_total", "counter",
         "Delivery events added to the campaigns database (attempts, bounces, complaints).",
         m.events_recorded.load());
  metric(out, "relayctl_delivery_event_batches_total", "counter",
         "Transactions of delivery events committed.", m.event_batches.load());
  metric(out, "relayctl_delivery_event_queue_overflows_total", "counter",
         "Attempts dropped by the full event queue (recorded by replaying the accounting log).",
         m.event_queue_overflows.load());
  metric(out, "relayctl_delivery_events_replayed_total", "counter",
         "Accounting-log lines read again to record their events (at start, after an overflow or failure).",
         m.events_replayed.load());
  metric(out, "relayctl_delivery_event_lines_damaged_total", "counter",
         "Accounting-log lines skipped while replaying: too long or not an attempt.",
         m.event_lines_damaged.load());
  metric(out, "relayctl_delivery_event_failures_total", "counter",
         "Batches of delivery events the database refused (recorded again by replaying).",
         m.event_failures.load());
  out +=
      "# HELP relayctl_bounce_suppressions_total Recipients suppressed because of their bounces or "
      "complaints, by reason.\n"
      "# TYPE relayctl_bounce_suppressions_total counter\n";
  for (std::size_t i = 0; i < m.bounce_suppressions.size(); ++i)
    out += std::string("relayctl_bounce_suppressions_total{reason=\"") + kBounceSuppressionReasons[i] +
           "\"} " + std::to_string(m.bounce_suppressions[i].load()) + "\n";
  auto stats = spool.stats();
  metric(out, "relayctl_queue_messages", "gauge", "Messages in the queue.", stats.messages);
  metric(out, "relayctl_queue_recipients_pending", "gauge", "Recipients waiting for delivery.",
         stats.recipients_pending);
  metric(out, "relayctl_queue_held_messages", "gauge", "Messages on hold.", stats.held);
  metric(out, "relayctl_spool_disk_bytes", "gauge", "Bytes in spool segment files.", stats.disk_bytes);
  metric(out, "relayctl_spool_commits_total", "counter", "Group commits (fsyncs) of the spool.",
         stats.commits);
  metric(out, "relayctl_spool_failed", "gauge",
         "1 once a spool write or sync failed: nothing more is acknowledged until a restart.",
         stats.failed ? 1 : 0);
  if (engine) {
    auto delivery = engine->stats();
    out +=
        "# HELP relayctl_delivery_attempts_total Delivery attempt outcomes, one per recipient per attempt "
        "(the accounting log's lines).\n# TYPE relayctl_delivery_attempts_total counter\n";
    for (auto [result, value] :
         {std::pair{"delivered", delivery.delivered}, std::pair{"deferred", delivery.deferred},
          std::pair{"bounced", delivery.bounced}, std::pair{"expired", delivery.expired}})
      out += std::string("relayctl_delivery_attempts_total{result=\"") + result + "\"} " +
             std::to_string(value) + "\n";
    metric(out, "relayctl_delivery_dsns_total", "counter",
           "DSNs queued for senders (bounces, expiries and delay warnings).", delivery.dsns);
    metric(out, "relayctl_delivery_connections_total", "counter", "Outgoing SMTP connections opened.",
           delivery.connections);
    metric(out, "relayctl_delivery_spool_write_failures_total", "counter",
           "Delivery outcomes (recipient states, removals) the spool could not record.",
           delivery.spool_write_failures);
    metric(out, "relayctl_delivery_unrecorded_recipients", "gauge",
           "Recipients whose latest outcome is known only in memory (the spool could not record it).",
           delivery.unrecorded_recipients);
    metric(out, "relayctl_delivery_spool_paused", "gauge",
           "1 while delivery is paused because the spool cannot record outcomes.",
           delivery.spool_paused ? 1 : 0);
  }
  return out;
}

AdminServer::AdminServer(asio::io_context& io, const Metrics& metrics, const spool::Spool& spool,
                         const queue::DeliveryEngine* engine)
    : io_(io), metrics_(metrics), spool_(spool), engine_(engine), acceptor_(io) {}

std::string AdminServer::listen(const dns::HostPort& address) {
  asio::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (ec) return "[admin] metrics_listen: \"" + address.host + "\" is not an IP address";
  tcp::endpoint endpoint(ip, address.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(16, ec);
  if (ec)
    return "cannot listen on " + address.to_string() + " for metrics: " + ec.message() +
           "; change [admin] metrics_listen, or set it to \"\" to disable it";
  return "";
}

void AdminServer::start() {
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void AdminServer::stop() {
  asio::post(io_, [this] {
    asio::error_code ec;
    acceptor_.close(ec);
  });
}

asio::awaitable<void> AdminServer::accept_loop() {
  for (;;) {
    asio::error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (!acceptor_.is_open()) co_return;
      continue;
    }
    asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
  }
}

// Locals at function scope (see docs/architecture.md on gcc 12 coroutines).
asio::awaitable<void> AdminServer::serve(tcp::socket socket) {
  asio::error_code ec;
  asio::streambuf buffer(8192);
  asio::steady_timer deadline(socket.get_executor());
  std::string request_line, body, response;
  deadline.expires_after(std::chrono::seconds(10));
  deadline.async_wait([&socket](asio::error_code e) {
    asio::error_code ignored;
    if (!e) socket.cancel(ignored);
  });
  co_await asio::async_read_until(socket, buffer, "\r\n\r\n", asio::redirect_error(use_awaitable, ec));
  deadline.cancel();
  if (ec && ec != asio::error::not_found) co_return;
  request_line.assign(asio::buffers_begin(buffer.data()), asio::buffers_end(buffer.data()));
  request_line = request_line.substr(0, request_line.find("\r\n"));
  if (ec || request_line.find(" HTTP/1.") == std::string::npos) {
    response = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  } else if (request_line.starts_with("GET /metrics ") || request_line.starts_with("GET /metrics? ")) {
    body = render_metrics(metrics_, spool_, engine_);
    for (const auto& section : sections_) body += section();
    response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  } else {
    response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  }
  co_await asio::async_write(socket, asio::buffer(response), asio::redirect_error(use_awaitable, ec));
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace mta::server
