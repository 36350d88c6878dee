// inbound_metrics.hpp — the inbound side's part of GET /metrics (Prometheus text format 0.0.4): the
// per-client limiter (clients tracked, refusals by kind, throttled reads), the scanners' verdicts, the
// recipient probe and greylisting. Refusals as SMTP replies are counted once, in
// relayctl_smtp_refusals_total; these are what the chain's parts saw. The policy's counters start again
// when SIGHUP builds a new policy (Prometheus treats that as a counter reset).
#pragma once

#include <string>

namespace mta::inbound {

class ClientLimiter;
class InboundPolicy;

// policy may be null (no relay domains).
std::string render_inbound_metrics(const ClientLimiter& limiter, const InboundPolicy* policy);

}  // namespace mta::inbound
