// serve_command.cpp — `relayctl serve`: run the mail engine until SIGTERM (see mta/server/daemon.hpp).
#include "campaigns/daemon/campaign_services.hpp"
#include "cli/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "mta/server/daemon.hpp"

namespace cli {
namespace {

void add_serve_command(CLI::App& app, Cli& cli) {
  auto path = std::make_shared<std::string>();
  auto* serve = app.add_subcommand(
      "serve", "Run the mail engine: SMTP listeners, durable spool, DKIM signing, delivery, control socket");
  serve->footer(
      "Run the mail engine: the SMTP listeners of [[server.listener]] (submission with STARTTLS and AUTH, "
      "smtps, relay for trusted networks, inbound); the durable spool in [spool] directory (recovered at "
      "start); DKIM signing by the [dkim] sign table before mail is spooled; the delivery engine, which "
      "sends queued mail to each recipient's MX hosts, a [[delivery.route]] or a relay domain's backends, "
      "retries, bounces with DSNs (as senders ask with RFC 3461 NOTIFY) "
      "and writes one JSON line per attempt to [delivery] accounting_log; the control socket "
      "SPOOL/control.sock that `relayctl queue` talks to; Prometheus metrics at [admin] metrics_listen; with "
      "[campaigns] token_secret_file, campaign mail (a VERP return path) leaves from its campaign's pool, "
      "is checked against the suppression list at RCPT ([campaigns] check_suppression) and mail to a "
      "campaign's unsubscribe+TOKEN mailbox suppresses its recipient; and the one-click unsubscribe "
      "endpoint at [web] listen (RFC 8058); with [bounces] record_events (the default), every attempt also a "
      "row of delivery_events in [campaigns] database (the accounting log replayed from a checkpoint at "
      "start), classified by the [bounces] rules, and mail to the bounce mailboxes (each campaign's, and "
      "[bounces] domains) parsed and recorded, never forwarded: DSNs, ARF complaints, plain-text bounces; "
      "hard bounces and complaints suppress their recipients, soft bounces after several campaigns; campaign "
      "mail gets no DSN of its own (its events replace it). "
      "For the relay domains of [[inbound.domain]] (the cloaking side, docs/inbound.md), inbound listeners "
      "run the inbound chain on clients neither authenticated nor trusted: per-client limits and DNSBLs at "
      "connect, valid recipients (a list from `relayctl recipients`, or a cached probe of the backend) and "
      "greylisting at RCPT, clamd, rspamd and SPF/DKIM/DMARC (an Authentication-Results field) before the "
      "250; accepted mail goes to the domain's backends, balanced and failing over, held while they are down. "
      "Runs in the foreground and logs to stderr.\n\n"
      "SIGTERM or SIGINT drains (stops accepting, lets sessions and delivery transactions in progress "
      "finish, 30 s at most each, flushes the spool) and exits 0. "
      "SIGHUP reloads [server], [dns], [dkim], [delivery] and [inbound] (sessions and delivery decisions "
      "from then on) and reopens the accounting log (after logrotate); listeners, [spool], [admin], "
      "[campaigns], [web] and delivery.accounting_log change at a restart. Exit 2 when the "
      "configuration, a listener's port, the spool (or a spool written by a newer relayctl) or the user "
      "database or the [inbound] database cannot be used. Operations guide: docs/operations.md.");
  add_config_option(*serve, *path);
  serve->callback([&cli, path] {
    cli.action = [path]() -> int {
      auto loaded = load_config(*path);
      if (!loaded) return kUsage;
      std::string source = *path;
      return mta::server::run_daemon(
          loaded->config,
          [source]() -> std::optional<mta::config::Config> {
            auto again = load_config(source);
            if (!again) return std::nullopt;
            return again->config;
          },
          [](const mta::config::Config& config, const mta::server::TlsFiles& tls, mta::server::Metrics& metrics,
             std::string& error) {
            return campaigns::start_campaign_services(config, tls, metrics, error);
          });
    };
  });
}

const Registration kRegistration{10, add_serve_command};

}  // namespace
}  // namespace cli
