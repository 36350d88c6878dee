// session_limits.hpp — the SMTP server's name for the limits on what a client may send; the struct lives
// in mta/config/session_limits.hpp, which the configuration fills ([server.limits]).
#pragma once

#include "mta/config/session_limits.hpp"

namespace mta::smtp {

using SessionLimits = config::SessionLimits;

}  // namespace mta::smtp
