// daemon.hpp — `relayctl serve`: recovers the spool, opens the AUTH user store, loads TLS, starts the SMTP
// listeners and the control socket, and runs until SIGTERM/SIGINT, which drains (stop accepting, let
// sessions finish their transaction, close idle ones with 421, flush the spool). SIGHUP reloads the
// configuration and the TLS certificate for new sessions (listener changes need a restart). Campaign
// services (hooks, the unsubscribe endpoint) come from the caller (CampaignStarter).
// Errors at start are printed with what to fix; the return value is the exit code (0, 2 config, 3 I/O).
#pragma once

#include <functional>
#include <optional>

#include "mta/config/config.hpp"
#include "mta/delivery/accounting_log.hpp"
#include "mta/server/metrics.hpp"
#include "mta/server/tls_context.hpp"
#include "mta/smtp/campaign_hooks.hpp"

namespace mta::server {

using ConfigReloader = std::function<std::optional<config::Config>()>;

// What relay_campaigns adds to the daemon (relay_mta cannot call it), built by cli/serve_command.cpp once
// at start: the hooks the sessions and the delivery engine ask (a campaign's pool, suppression at RCPT,
// unsubscribe mailboxes, delivery events), and stop() for what it runs itself (the unsubscribe web endpoint),
// called when the daemon drains. On failure error names what to fix and the daemon exits 2.
struct CampaignServices {
  std::shared_ptr<smtp::CampaignHooks> hooks;  // null: none
  std::function<void()> stop;                  // may be empty
  // Delivery events ([bounces] record_events): the engine's on_attempt hook, and what records the last
  // of them once delivery has stopped (called after the delivery thread ends). Both may be empty.
  std::function<void(const delivery::Attempt&, const delivery::LogPosition&)> on_attempt;
  std::function<void()> stop_events;
};
using CampaignStarter =
    std::function<CampaignServices(const config::Config&, const TlsFiles&, Metrics&, std::string& error)>;

int run_daemon(const config::Config& config, const ConfigReloader& reload,
               const CampaignStarter& campaigns = {});

}  // namespace mta::server
