#include "mta/inbound/inbound_metrics.hpp"

#include "mta/inbound/greylist/greylist.hpp"
#include "mta/inbound/inbound_policy.hpp"
#include "mta/inbound/limits/client_limiter.hpp"
#include "mta/inbound/recipients/recipient_list.hpp"
#include "mta/inbound/recipients/recipient_probe.hpp"

namespace mta::inbound {

namespace {

void metric(std::string& out, const std::string& name, const char* type, const char* help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void sample(std::string& out, const std::string& name, const std::string& labels, std::uint64_t value) {
  out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(value) + "\n";
}

}  // namespace

std::string render_inbound_metrics(const ClientLimiter& limiter, const InboundPolicy* policy) {
  std::string out;
  auto stats = limiter.stats();
  metric(out, "relayctl_inbound_clients_tracked", "gauge", "Clients the per-client limiter remembers (bounded).");
  sample(out, "relayctl_inbound_clients_tracked", "", stats.tracked);
  metric(out, "relayctl_inbound_clients_connected", "gauge", "Clients with connections open on inbound listeners.");
  sample(out, "relayctl_inbound_clients_connected", "", stats.connected);
  metric(out, "relayctl_inbound_clients_evicted_total", "counter",
         "Idle clients forgotten to keep the limiter within max_tracked_clients.");
  sample(out, "relayctl_inbound_clients_evicted_total", "", stats.evicted);
  metric(out, "relayctl_inbound_client_limited_total", "counter", "Per-client limits applied, by kind.");
  for (auto kind : {ClientRefusal::too_many_connections, ClientRefusal::connection_rate, ClientRefusal::message_rate,
                    ClientRefusal::byte_rate})
    sample(out, "relayctl_inbound_client_limited_total", "kind=\"" + std::string(to_string(kind)) + "\"",
           limiter.refusals(kind));
  metric(out, "relayctl_inbound_throttled_reads_total", "counter", "Reads from clients slowed to their byte rate.");
  sample(out, "relayctl_inbound_throttled_reads_total", "", stats.throttled_reads);
  metric(out, "relayctl_inbound_throttled_seconds_total", "counter", "Time reads waited for clients' byte rates.");
  out += "relayctl_inbound_throttled_seconds_total " + std::to_string(static_cast<double>(stats.throttled_ms) / 1000.0) +
         "\n";
  if (!policy) return out;

  const auto& scans = policy->counters();
  metric(out, "relayctl_inbound_scans_total", "counter", "Messages scanned, by scanner and result.");
  sample(out, "relayctl_inbound_scans_total", "scanner=\"clamd\",result=\"clean\"", scans.virus_clean);
  sample(out, "relayctl_inbound_scans_total", "scanner=\"clamd\",result=\"infected\"", scans.virus_infected);
  sample(out, "relayctl_inbound_scans_total", "scanner=\"clamd\",result=\"error\"", scans.virus_error);
  sample(out, "relayctl_inbound_scans_total", "scanner=\"rspamd\",result=\"scanned\"", scans.spam_scanned);
  sample(out, "relayctl_inbound_scans_total", "scanner=\"rspamd\",result=\"error\"", scans.spam_error);
  metric(out, "relayctl_inbound_verdicts_total", "counter", "Messages the inbound chain judged, by verdict.");
  sample(out, "relayctl_inbound_verdicts_total", "verdict=\"accept\"", scans.accepted);
  sample(out, "relayctl_inbound_verdicts_total", "verdict=\"refuse\"", scans.refused);
  sample(out, "relayctl_inbound_verdicts_total", "verdict=\"discard\"", scans.discarded);
  if (const Greylist* greylist = policy->greylist()) {
    const auto& g = greylist->counters();
    metric(out, "relayctl_inbound_greylist_total", "counter", "Greylisting's answers at RCPT, by verdict.");
    sample(out, "relayctl_inbound_greylist_total", "verdict=\"deferred\"", g.deferred);
    sample(out, "relayctl_inbound_greylist_total", "verdict=\"passed\"", g.passed);
    sample(out, "relayctl_inbound_greylist_total", "verdict=\"whitelisted\"", g.whitelisted);
    sample(out, "relayctl_inbound_greylist_total", "verdict=\"error\"", g.errors);
  }
  if (const RecipientList* list = policy->recipient_list()) {
    const auto& l = list->counters();
    metric(out, "relayctl_inbound_recipient_list_total", "counter", "Recipient-list checks at RCPT, by outcome.");
    sample(out, "relayctl_inbound_recipient_list_total", "outcome=\"valid\"", l.valid);
    sample(out, "relayctl_inbound_recipient_list_total", "outcome=\"unknown\"", l.unknown);
    sample(out, "relayctl_inbound_recipient_list_total", "outcome=\"error\"", l.errors);
  }
  if (const RecipientProbe* probe = policy->probe()) {
    const auto& c = probe->counters();
    metric(out, "relayctl_inbound_probes_total", "counter", "Recipient checks by live probe, by outcome.");
    sample(out, "relayctl_inbound_probes_total", "outcome=\"valid\"", c.valid);
    sample(out, "relayctl_inbound_probes_total", "outcome=\"unknown\"", c.unknown);
    sample(out, "relayctl_inbound_probes_total", "outcome=\"unavailable\"", c.unavailable);
    metric(out, "relayctl_inbound_probe_cache_hits_total", "counter", "Recipient checks answered from the cache.");
    sample(out, "relayctl_inbound_probe_cache_hits_total", "", c.cache_hits);
  }
  return out;
}

}  // namespace mta::inbound
