#include "mta/config/config_writer.hpp"

#include "mta/config/duration.hpp"

namespace mta::config {
namespace {

template <typename T, typename F>
toml::array array_of(const std::vector<T>& items, F&& convert) {
  toml::array out;
  for (const auto& item : items)
    out.push_back(convert(item));
  return out;
}

toml::array strings(const std::vector<std::string>& items) {
  return array_of(items, [](const std::string& s) { return s; });
}

std::string duration(Seconds value) {
  return format_duration(value);
}

toml::table dkim_table(const DkimConfig& dkim) {
  toml::table table{{"canonicalization", dkim.canonicalization},
                    {"sign", array_of(dkim.sign, [](const dkim::SigningRule& r) {
                       return toml::table{{"from", r.from_pattern},
                                          {"domain", r.domain},
                                          {"selector", r.selector},
                                          {"key", r.key.string()}};
                     })}};
  if (dkim.expire_after) table.insert("expire_after", duration(*dkim.expire_after));
  return table;
}

toml::table bounces_table(const BouncesConfig& bounces) {
  return toml::table{
      {"record_events", bounces.record_events},
      {"soft_bounce_campaigns", static_cast<std::int64_t>(bounces.soft_bounce_campaigns)},
      {"soft_bounce_span", duration(bounces.soft_bounce_span)},
      {"domains", strings(bounces.domains)},
      {"rules_file", bounces.rules_file.string()},
      {"rule", array_of(bounces.rules, [](const BounceRule& r) {
         toml::table rule{{"name", r.name}, {"class", r.bounce_class}, {"severity", r.severity}};
         if (!r.codes.empty()) rule.insert("code", strings(r.codes));
         if (!r.statuses.empty()) rule.insert("status", strings(r.statuses));
         if (!r.text.empty()) rule.insert("text", r.text);
         return rule;
       })}};
}

toml::table spam_level_table(const SpamLevelPolicy& level) {
  return toml::table{{"score", level.score}, {"action", std::string(to_string(level.action))}, {"tag", level.tag}};
}

toml::table inbound_domain_table(const InboundDomain& d) {
  toml::table table{
      {"name", d.name},
      {"backend", array_of(d.backends,
                           [](const InboundBackend& b) {
                             return toml::table{{"host", b.address.to_string()},
                                                {"weight", static_cast<std::int64_t>(b.weight)},
                                                {"priority", static_cast<std::int64_t>(b.priority)}};
                           })},
      {"backend_tls", std::string(to_string(d.backend_tls))},
      {"allow_untrusted_routing", d.allow_untrusted_routing},
      {"recipients", std::string(to_string(d.recipients))},
      {"probe_positive_ttl", duration(d.probe_positive_ttl)},
      {"probe_negative_ttl", duration(d.probe_negative_ttl)},
      {"greylist", d.greylist},
      {"dmarc_reject", d.dmarc_reject},
      {"strip_received", d.strip_received},
      {"drain_rate", static_cast<std::int64_t>(d.drain_rate)},
      {"spam", toml::table{{"enabled", d.spam.enabled},
                           {"scanner_down", std::string(to_string(d.spam.scanner_down))},
                           {"low", spam_level_table(d.spam.low)},
                           {"med", spam_level_table(d.spam.med)},
                           {"high", spam_level_table(d.spam.high)}}}};
  if (d.max_queue_lifetime) table.insert("max_queue_lifetime", duration(*d.max_queue_lifetime));
  return table;
}

toml::table inbound_table(const InboundConfig& inbound) {
  auto networks = [](const std::vector<dns::IpNetwork>& list) {
    return array_of(list, [](const dns::IpNetwork& n) { return n.to_string(); });
  };
  const auto& g = inbound.greylist;
  const auto& l = inbound.limits;
  return toml::table{
      {"database", inbound.database.string()},
      {"max_queue_lifetime", duration(inbound.max_queue_lifetime)},
      {"authserv_id", inbound.authserv_id},
      {"dnsbl_zones", strings(inbound.dnsbl_zones)},
      {"probe_timeout", duration(inbound.probe_timeout)},
      {"probe_cache_entries", static_cast<std::int64_t>(inbound.probe_cache_entries)},
      {"greylist", toml::table{{"delay", duration(g.delay)},
                               {"retry_window", duration(g.retry_window)},
                               {"remember", duration(g.remember)},
                               {"auto_whitelist_after", static_cast<std::int64_t>(g.auto_whitelist_after)},
                               {"whitelist_networks", networks(g.whitelist_networks)},
                               {"whitelist_senders", strings(g.whitelist_senders)}}},
      {"rspamd", toml::table{{"address", inbound.rspamd.address}, {"timeout", duration(inbound.rspamd.timeout)}}},
      {"clamd", toml::table{{"address", inbound.clamd.address}, {"timeout", duration(inbound.clamd.timeout)}}},
      {"limits", toml::table{{"max_connections", static_cast<std::int64_t>(l.max_connections)},
                             {"connections_per_minute", static_cast<std::int64_t>(l.connections_per_minute)},
                             {"messages_per_minute", static_cast<std::int64_t>(l.messages_per_minute)},
                             {"bytes_per_second", static_cast<std::int64_t>(l.bytes_per_second)},
                             {"max_tracked_clients", static_cast<std::int64_t>(l.max_tracked_clients)},
                             {"exempt", networks(l.exempt)}}},
      {"domain", array_of(inbound.domains, inbound_domain_table)}};
}

}  // namespace

toml::table to_toml(const Config& c) {
  toml::table server{
      {"hostname", c.server.hostname},
      {"trusted_networks",
       array_of(c.server.trusted_networks, [](const dns::IpNetwork& n) { return n.to_string(); })},
      {"tls",
       toml::table{{"certificate", c.server.tls.certificate.string()}, {"key", c.server.tls.key.string()}}},
      {"limits",
       toml::table{{"max_command_line", static_cast<std::int64_t>(c.server.limits.max_command_line)},
                   {"max_text_line", static_cast<std::int64_t>(c.server.limits.max_text_line)},
                   {"max_message_size", static_cast<std::int64_t>(c.server.limits.max_message_bytes)},
                   {"max_recipients", c.server.limits.max_recipients},
                   {"max_errors", c.server.limits.max_errors},
                   {"max_commands", c.server.limits.max_commands},
                   {"command_timeout", duration(c.server.limits.command_timeout)},
                   {"data_timeout", duration(c.server.limits.data_timeout)},
                   {"tls_handshake_timeout", duration(c.server.limits.tls_handshake_timeout)},
                   {"max_connections", c.server.limits.max_connections},
                   {"max_connections_per_ip", c.server.limits.max_connections_per_ip},
                   {"max_auth_failures", c.server.limits.max_auth_failures},
                   {"auth_failure_window", duration(c.server.limits.auth_failure_window)},
                   {"max_received", c.server.limits.max_received},
                   {"max_own_received", c.server.limits.max_own_received}}},
      {"auth", toml::table{{"plaintext_on_loopback", c.server.auth.plaintext_on_loopback}}},
      {"listener", array_of(c.server.listeners, [](const Listener& l) {
         return toml::table{
             {"address", l.address}, {"port", l.port}, {"kind", std::string(to_string(l.kind))}};
       })}};

  toml::table delivery{
      {"accounting_log", c.delivery.accounting_log.string()},
      {"retry_initial", duration(c.delivery.retry_initial)},
      {"retry_max", duration(c.delivery.retry_max)},
      {"max_queue_lifetime", duration(c.delivery.max_queue_lifetime)},
      {"delay_warning_after", duration(c.delivery.delay_warning_after)},
      {"rate_limit_pause", duration(c.delivery.rate_limit_pause)},
      {"rate_limit_pause_max", duration(c.delivery.rate_limit_pause_max)},
      {"source", array_of(c.delivery.sources,
                          [](const EgressSource& s) {
                            return toml::table{{"name", s.name}, {"address", s.address}, {"ehlo", s.ehlo}};
                          })},
      {"pool", array_of(c.delivery.pools,
                        [](const EgressPool& p) {
                          return toml::table{{"name", p.name},
                                             {"sources", array_of(p.sources, [](const PoolMember& m) {
                                                return toml::table{{"name", m.source}, {"weight", m.weight}};
                                              })}};
                        })},
      {"default_pool", c.delivery.default_pool},
      {"sender_pool", array_of(c.delivery.sender_pools,
                               [](const SenderPool& r) {
                                 return toml::table{{"sender", r.sender}, {"pool", r.pool}};
                               })},
      {"route", array_of(c.delivery.routes,
                         [](const Route& r) {
                           toml::table route{{"domain", r.domain},
                                             {"next_hop", r.next_hop.to_string()},
                                             {"require_tls", r.require_tls}};
                           if (r.max_queue_lifetime)
                             route.insert("max_queue_lifetime", duration(*r.max_queue_lifetime));
                           return route;
                         })},
      {"shaping", array_of(c.delivery.shaping, [](const Shaping& s) {
         toml::table shaping{{"match", s.match}};
         if (s.max_connections) shaping.insert("max_connections", s.max_connections);
         if (s.max_messages_per_connection)
           shaping.insert("max_messages_per_connection", s.max_messages_per_connection);
         if (s.rate.count) shaping.insert("rate", to_string(s.rate));
         if (s.max_recipients) shaping.insert("max_recipients", s.max_recipients);
         if (s.require_tls) shaping.insert("require_tls", true);
         return shaping;
       })}};

  return toml::table{
      {"server", std::move(server)},
      {"spool", toml::table{{"directory", c.spool.directory.string()}}},
      {"dns", toml::table{{"nameservers",
                           array_of(c.dns.nameservers, [](const dns::HostPort& h) { return h.to_string(); })},
                          {"timeout", duration(c.dns.timeout)}}},
      {"dkim", dkim_table(c.dkim)},
      {"delivery", std::move(delivery)},
      {"inbound", inbound_table(c.inbound)},
      {"campaigns",
       toml::table{{"database", c.campaigns.database.string()},
                   {"token_secret_file", c.campaigns.token_secret_file.string()},
                   {"check_suppression", std::string(to_string(c.campaigns.check_suppression))},
                   {"inject", c.campaigns.inject ? c.campaigns.inject->to_string() : ""},
                   {"inject_connections", static_cast<std::int64_t>(c.campaigns.inject_connections)},
                   {"inject_user", c.campaigns.inject_user},
                   {"inject_password_file", c.campaigns.inject_password_file.string()}}},
      {"web", toml::table{{"listen", c.web.listen ? c.web.listen->to_string() : ""},
                          {"tls", c.web.tls},
                          {"threads", static_cast<std::int64_t>(c.web.threads)},
                          {"timeout", duration(c.web.timeout)}}},
      {"admin",
       toml::table{{"metrics_listen", c.admin.metrics_listen ? c.admin.metrics_listen->to_string() : ""}}},
      {"bounces", bounces_table(c.bounces)},
  };
}

}  // namespace mta::config
