// daemon.hpp — `relayctl serve`: recovers the spool, opens the AUTH user store, loads TLS, starts the SMTP
// listeners and the control socket, and runs until SIGTERM/SIGINT, which drains (stop accepting, let
// sessions finish their transaction, close idle ones with 421, flush the spool). SIGHUP reloads the
// configuration and the TLS certificate for new sessions (listener changes need a restart).
// Errors at start are printed with what to fix; the return value is the exit code (0, 2 config, 3 I/O).
#pragma once

#include <functional>
#include <optional>

#include "mta/config/config.hpp"

namespace mta::server {

using ConfigReloader = std::function<std::optional<config::Config>()>;

int run_daemon(const config::Config& config, const ConfigReloader& reload);

}  // namespace mta::server
