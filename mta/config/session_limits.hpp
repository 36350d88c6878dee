// session_limits.hpp — every limit on what an SMTP client may send, in one place, with RFC 5321 §4.5.3
// defaults. [server.limits] in the configuration sets them; the server (mta/smtp) enforces each one, under
// the name smtp::SessionLimits (mta/smtp/session_limits.hpp).
#pragma once

#include <chrono>
#include <cstddef>

namespace mta::config {

struct SessionLimits {
  std::size_t max_command_line = 512;  // bytes incl. CRLF (§4.5.3.1.4)
  std::size_t max_text_line = 1000;    // bytes incl. CRLF (§4.5.3.1.6)
  std::size_t max_message_bytes = 26'214'400;
  unsigned max_recipients = 100;  // §4.5.3.1.8: at least 100
  unsigned max_errors = 10;       // then 421 and close
  unsigned max_commands = 10'000;
  std::chrono::seconds command_timeout{300};  // §4.5.3.2.7
  std::chrono::seconds data_timeout{600};     // §4.5.3.2.6 (the final dot)
  std::chrono::seconds tls_handshake_timeout{30};
  unsigned max_connections = 500;
  unsigned max_connections_per_ip = 50;
  unsigned max_auth_failures = 5;  // per client IP within auth_failure_window, then 421
  std::chrono::seconds auth_failure_window{300};
  // Mail loops (RFC 5321 §6.3): a message that already carries more Received fields than this, or more
  // of ours (by our host name) than max_own_received, is refused with 554 5.4.6 at the end of DATA.
  unsigned max_received = 100;  // §6.3: "normally at least 100"
  unsigned max_own_received = 5;
};

}  // namespace mta::config
