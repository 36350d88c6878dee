// queue_control.hpp — the queue administration requests behind `relayctl queue`, as one JSON object per
// request and per response over the control socket:
//   {"command":"list"} {"command":"list","domain":D} (messages with a recipient at D still waiting)
//   {"command":"show","id":ID} {"command":"hold"|"release"|"delete","id":ID}
//   {"command":"flush"} {"command":"stats"}
// Responses are {"ok":true,...} or {"ok":false,"error":"...","code":"not_found"|"bad_request"|"io"}.
// Blocking (spool reads and durable updates): run on a worker thread, never on an I/O thread.
// Untrusted input: the request line (local clients only; the socket is mode 0660), parsed defensively.
#pragma once

#include <string>
#include <string_view>

#include "mta/spool/spool.hpp"

namespace mta::server {

inline constexpr std::size_t kMaxControlRequest = 64 * 1024;

std::string handle_control_request(spool::Spool& spool, std::string_view request);

}  // namespace mta::server
