#include "mta/config/config_loader.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <openssl/crypto.h>
#include <toml++/toml.h>

#include "dns/name.hpp"
#include "mta/config/bounce_rule.hpp"
#include "mta/config/duration.hpp"
#include "mta/config/secret_file.hpp"

namespace mta::config {
namespace {

constexpr std::uintmax_t kMaxConfigBytes = 4 * 1024 * 1024;

std::string hostname_problem(const std::string& name) {
  return dns::is_valid_hostname(name) ? "" : "\"" + name + "\" is not a valid host name";
}

std::string domain_pattern_problem(const std::string& pattern) {
  std::string_view name = pattern;
  if (name.starts_with("*.")) name.remove_prefix(2);
  return dns::is_valid_hostname(name) ? "" : "\"" + pattern + "\" is not a domain or a \"*.domain\" pattern";
}

std::string ip_problem(const std::string& text) {
  asio::error_code ec;
  asio::ip::make_address(text, ec);
  return ec ? "\"" + text + "\" is not an IP address" : "";
}

// A [[delivery.sender_pool]] sender: an address, a domain, or "*.domain".
std::string sender_pattern_problem(const std::string& pattern) {
  auto at = pattern.rfind('@');
  if (at == std::string::npos) return domain_pattern_problem(pattern);
  std::string_view local = std::string_view(pattern).substr(0, at);
  bool local_ok = !local.empty() && std::none_of(local.begin(), local.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == '@';
  });
  if (local_ok && dns::is_valid_hostname(std::string_view(pattern).substr(at + 1))) return "";
  return "\"" + pattern + "\" is not an address, a domain or a \"*.domain\" pattern";
}

// Lower case throughout: senders match case-insensitively (local parts too, as in Postfix's tables).
std::string canonical_sender_pattern(const std::string& pattern) {
  auto at = pattern.rfind('@');
  if (at == std::string::npos) return dns::canonical_name(pattern);
  std::string local = pattern.substr(0, at + 1);
  std::transform(local.begin(), local.end(), local.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return local + dns::canonical_name(std::string_view(pattern).substr(at + 1));
}

// Reads HOST[:PORT] into out; returns false (after a diagnostic) when absent or bad.
bool read_host_port(TableReader& table, std::string_view key, std::uint16_t default_port, bool allow_names,
                    dns::HostPort& out) {
  std::string text;
  if (!table.read(key, text)) return false;
  auto parsed = dns::parse_host_port(text, default_port, allow_names);
  if (!parsed.value) {
    table.error(key, parsed.error);
    return false;
  }
  out = *parsed.value;
  return true;
}

void require(TableReader& table, std::string_view key, std::string_view what) {
  if (!table.has(key)) table.error_here("missing key '" + std::string(key) + "': " + std::string(what));
}

// Is the file there and readable by us? The key files' permissions are dkim/'s and the TLS loader's job.
void check_file(TableReader& table, std::string_view key, const std::filesystem::path& path,
                std::string_view fix) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    table.error(key, path.string() + " does not exist; " + std::string(fix));
  } else if (!std::filesystem::is_regular_file(status)) {
    table.error(key, path.string() + " is not a regular file");
  } else if (std::ifstream probe(path); !probe) {
    table.error(key, path.string() + " cannot be read by this user");
  }
}

class Loader {
 public:
  Loader(std::vector<Diagnostic>& diagnostics, const LoadOptions& options)
      : diagnostics_(diagnostics), options_(options) {}

  Config load(const toml::table& document) {
    Config config = default_config();
    TableReader root(document, "", diagnostics_);
    if (auto t = root.table("server")) server(*t, config.server);
    if (auto t = root.table("spool")) spool(*t, config.spool);
    if (auto t = root.table("dns")) dns(*t, config.dns);
    if (auto t = root.table("dkim")) dkim(*t, config.dkim);
    if (auto t = root.table("delivery")) delivery(*t, config.delivery);
    if (auto t = root.table("inbound")) inbound(*t, config.inbound);
    if (auto t = root.table("campaigns")) campaigns(*t, config.campaigns);
    if (auto t = root.table("web")) web(*t, config.web, config.campaigns);
    if (auto t = root.table("bounces")) bounces(*t, config.bounces, config.inbound);
    if (auto t = root.table("admin")) admin(*t, config.admin);
    root.finish();
    return config;
  }

 private:
  void server(TableReader& t, ServerConfig& out) {
    std::string hostname;
    if (t.read_checked("hostname", hostname, hostname_problem) && !hostname.empty())
      out.hostname = dns::canonical_name(hostname);

    if (t.has("trusted_networks")) {
      out.trusted_networks.clear();
      for (auto& [text, node] : t.strings("trusted_networks")) {
        if (auto network = dns::IpNetwork::parse(text))
          out.trusted_networks.push_back(*network);
        else
          t.error_at(*node, t.key_path("trusted_networks"),
                     "\"" + text + "\" is not a network; write ADDRESS/LENGTH, e.g. \"10.0.0.0/8\"");
      }
    } else {
      t.strings("trusted_networks");  // marks the key known
    }

    if (auto tls = t.table("tls")) {
      std::string certificate, key;
      if (tls->read("certificate", certificate)) out.tls.certificate = certificate;
      if (tls->read("key", key)) out.tls.key = key;
      if (out.tls.certificate.empty() != out.tls.key.empty())
        tls->error_here("set both 'certificate' and 'key', or neither (a self-signed pair is then made)");
      if (options_.check_files && !out.tls.certificate.empty()) {
        check_file(*tls, "certificate", out.tls.certificate, "give the PEM certificate chain's path");
        check_file(*tls, "key", out.tls.key, "give the PEM private key's path");
      }
      tls->finish();
    }

    if (auto limits = t.table("limits")) server_limits(*limits, out.limits);
    if (auto auth = t.table("auth")) {
      auth->read("plaintext_on_loopback", out.auth.plaintext_on_loopback);
      auth->finish();
    }

    if (t.has("listener")) {
      out.listeners.clear();
      std::set<std::pair<std::string, std::uint16_t>> seen;
      for (auto& item : t.tables("listener")) {
        Listener listener;
        require(item, "address", "the IP address to listen on, e.g. \"127.0.0.1\"");
        require(item, "port", "the TCP port, e.g. 587");
        require(item, "kind", "one of submission, smtps, relay, inbound");
        bool ok = item.read_checked("address", listener.address, ip_problem);
        long long port = 0;
        ok = item.read_integer("port", 1, 65535, port) && ok;
        listener.port = static_cast<std::uint16_t>(port);
        std::string kind;
        if (item.read("kind", kind)) {
          if (auto parsed = parse_listener_kind(kind))
            listener.kind = *parsed;
          else
            item.error("kind", "\"" + kind +
                                   "\" is not a listener kind; expected submission, smtps, relay or inbound");
        }
        if (ok) {
          asio::error_code ec;
          listener.address = asio::ip::make_address(listener.address, ec).to_string();
          if (!seen.emplace(listener.address, listener.port).second)
            item.error("port",
                       "another listener already uses " + listener.address + " port " + std::to_string(port));
        }
        item.finish();
        out.listeners.push_back(listener);
      }
    } else {
      t.tables("listener");
    }
    t.finish();
  }

  void server_limits(TableReader& t, SessionLimits& out) {
    auto integer = [&](std::string_view key, long long min, long long max, auto& target) {
      long long value = 0;
      if (t.read_integer(key, min, max, value))
        target = static_cast<std::remove_reference_t<decltype(target)>>(value);
    };
    integer("max_command_line", 512, 65536, out.max_command_line);
    integer("max_text_line", 1000, 1'000'000, out.max_text_line);
    integer("max_message_size", 1024, 1'073'741'824, out.max_message_bytes);
    integer("max_recipients", 1, 100'000, out.max_recipients);
    integer("max_errors", 1, 1000, out.max_errors);
    integer("max_commands", 10, 10'000'000, out.max_commands);
    integer("max_connections", 1, 100'000, out.max_connections);
    integer("max_connections_per_ip", 1, 100'000, out.max_connections_per_ip);
    integer("max_auth_failures", 1, 1000, out.max_auth_failures);
    integer("max_received", 1, 1000, out.max_received);
    integer("max_own_received", 1, 1000, out.max_own_received);
    positive_duration(t, "command_timeout", out.command_timeout);
    positive_duration(t, "data_timeout", out.data_timeout);
    positive_duration(t, "tls_handshake_timeout", out.tls_handshake_timeout);
    positive_duration(t, "auth_failure_window", out.auth_failure_window);
    t.finish();
  }

  void spool(TableReader& t, SpoolConfig& out) {
    absolute_path(t, "directory", out.directory);
    t.finish();
  }

  void dns(TableReader& t, DnsConfig& out) {
    for (auto& [text, node] : t.strings("nameservers")) {
      auto parsed = dns::parse_host_port(text, 53, false);
      if (parsed.value)
        out.nameservers.push_back(*parsed.value);
      else
        t.error_at(*node, t.key_path("nameservers"),
                   parsed.error + "; write IP[:PORT], e.g. \"127.0.0.1:5353\"");
    }
    if (t.read_duration("timeout", out.timeout) && out.timeout.count() == 0)
      t.error("timeout", "must be at least 1s");
    t.finish();
  }

  void dkim(TableReader& t, DkimConfig& out) {
    t.read_checked("canonicalization", out.canonicalization, [](const std::string& value) -> std::string {
      static const std::set<std::string> allowed{"relaxed/relaxed", "relaxed/simple", "simple/relaxed",
                                                 "simple/simple"};
      return allowed.contains(value) ? ""
                                     : "\"" + value +
                                           "\" is not a canonicalization; expected header/body "
                                           "with each simple or relaxed, e.g. \"relaxed/relaxed\"";
    });
    Seconds expire_after{};
    if (positive_duration(t, "expire_after", expire_after)) out.expire_after = expire_after;
    for (auto& item : t.tables("sign")) {
      dkim::SigningRule rule;
      require(item, "from",
              "the From domain this key signs for: \"example.com\", \"*.example.com\" or \"*\"");
      require(item, "selector", "the DKIM selector, e.g. \"s1\"");
      require(item, "key", "the PEM private key's path (make one with `relayctl dkim keygen`)");
      item.read_checked("from", rule.from_pattern, [](const std::string& value) -> std::string {
        return dkim::is_valid_from_pattern(value)
                   ? ""
                   : "\"" + value + "\" is not a domain, \"*.domain\" or \"*\"";
      });
      rule.from_pattern = dns::canonical_name(rule.from_pattern);
      if (!item.read_checked("domain", rule.domain, hostname_problem)) {
        if (rule.from_pattern.starts_with("*") && !item.has("domain"))
          item.error_here("a wildcard 'from' needs 'domain', the d= domain to sign with");
        else
          rule.domain = rule.from_pattern;
      }
      rule.domain = dns::canonical_name(rule.domain);
      item.read_checked("selector", rule.selector, [](const std::string& value) -> std::string {
        return dns::is_valid_hostname(value) ||
                       (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos)
                   ? ""
                   : "\"" + value + "\" is not a selector; use letters, digits, '-' and '.'";
      });
      std::string key;
      if (item.read("key", key)) {
        rule.key = key;
        if (options_.check_files)
          check_file(item, "key", rule.key,
                     "make one with `relayctl dkim keygen --domain " + rule.domain + " --selector " +
                         rule.selector + "` or fix the path");
      }
      item.finish();
      out.sign.push_back(std::move(rule));
    }
    t.finish();
  }

  void delivery(TableReader& t, DeliveryConfig& out) {
    std::string accounting_log;
    if (t.read("accounting_log", accounting_log)) {
      if (accounting_log.empty() || accounting_log.front() != '/')
        t.error("accounting_log", "expected an absolute path, got \"" + accounting_log + "\"");
      else
        out.accounting_log = accounting_log;
    }
    positive_duration(t, "retry_initial", out.retry_initial);
    positive_duration(t, "retry_max", out.retry_max);
    positive_duration(t, "max_queue_lifetime", out.max_queue_lifetime);
    if (out.retry_max < out.retry_initial)
      t.error("retry_max",
              "must not be shorter than retry_initial (" + format_duration(out.retry_initial) + ")");
    positive_duration(t, "rate_limit_pause", out.rate_limit_pause);
    positive_duration(t, "rate_limit_pause_max", out.rate_limit_pause_max);
    if (out.rate_limit_pause_max < out.rate_limit_pause)
      t.error("rate_limit_pause_max",
              "must not be shorter than rate_limit_pause (" + format_duration(out.rate_limit_pause) + ")");
    if (t.read_duration("delay_warning_after", out.delay_warning_after) &&
        out.delay_warning_after >= out.max_queue_lifetime)
      t.error("delay_warning_after", "must be shorter than max_queue_lifetime (" +
                                         format_duration(out.max_queue_lifetime) +
                                         "), or \"0s\" for no delay warnings");

    std::map<std::string, bool> source_names;
    for (auto& item : t.tables("source")) {
      EgressSource source;
      require(item, "name", "a name for this source, used by pools");
      require(item, "address", "the local IP address to send from");
      item.read("name", source.name);
      if (!source.name.empty() && !source_names.emplace(source.name, true).second)
        item.error("name", "another source is already named \"" + source.name + "\"");
      item.read_checked("address", source.address, ip_problem);
      if (item.read_checked("ehlo", source.ehlo, hostname_problem))
        source.ehlo = dns::canonical_name(source.ehlo);
      item.finish();
      out.sources.push_back(std::move(source));
    }

    std::set<std::string> pool_names;
    for (auto& item : t.tables("pool")) {
      EgressPool pool;
      require(item, "name", "a name for this pool");
      require(item, "sources", "the sources in this pool: [{ name = \"ip1\", weight = 1 }, ...]");
      item.read("name", pool.name);
      if (!pool.name.empty() && !pool_names.insert(pool.name).second)
        item.error("name", "another pool is already named \"" + pool.name + "\"");
      for (auto& member_table : item.tables("sources")) {
        PoolMember member;
        member_table.read("name", member.source);
        if (!source_names.contains(member.source))
          member_table.error_here("no [[delivery.source]] is named \"" + member.source + "\"");
        long long weight = 1;
        member_table.read_integer("weight", 1, 1000, weight);
        member.weight = static_cast<unsigned>(weight);
        member_table.finish();
        pool.sources.push_back(member);
      }
      if (item.has("sources") && pool.sources.empty())
        item.error("sources", "a pool needs at least one source: [{ name = \"ip1\", weight = 1 }, ...]");
      item.finish();
      out.pools.push_back(std::move(pool));
    }

    auto pool_problem = [&pool_names](const std::string& name) {
      return pool_names.contains(name) ? std::string() : "no [[delivery.pool]] is named \"" + name + "\"";
    };
    std::string default_pool;
    if (t.read("default_pool", default_pool) && !default_pool.empty()) {
      if (std::string problem = pool_problem(default_pool); !problem.empty())
        t.error("default_pool", problem);
      else
        out.default_pool = default_pool;
    }
    std::set<std::string> senders;
    for (auto& item : t.tables("sender_pool")) {
      SenderPool rule;
      require(item, "sender",
              "whose mail this is: \"user@example.com\", \"example.com\" or \"*.example.com\"");
      require(item, "pool", "the [[delivery.pool]] their mail leaves from");
      if (item.read_checked("sender", rule.sender, sender_pattern_problem)) {
        rule.sender = canonical_sender_pattern(rule.sender);
        if (!senders.insert(rule.sender).second)
          item.error("sender", "another [[delivery.sender_pool]] is for \"" + rule.sender + "\"");
      }
      item.read_checked("pool", rule.pool, pool_problem);
      item.finish();
      out.sender_pools.push_back(std::move(rule));
    }

    for (auto& item : t.tables("route")) {
      Route route;
      require(item, "domain", "the recipient domain this route is for");
      require(item, "next_hop", "where to send: \"HOST[:PORT]\" (port 25 when omitted)");
      item.read_checked("domain", route.domain, [](const std::string& value) {
        return value == "*" ? std::string()
                            : domain_pattern_problem(value);  // "*": a smart host for all mail
      });
      route.domain = dns::canonical_name(route.domain);
      read_host_port(item, "next_hop", 25, true, route.next_hop);
      item.read("require_tls", route.require_tls);
      Seconds lifetime{};
      if (positive_duration(item, "max_queue_lifetime", lifetime)) route.max_queue_lifetime = lifetime;
      item.finish();
      out.routes.push_back(std::move(route));
    }

    for (auto& item : t.tables("shaping")) {
      Shaping shaping;
      require(item, "match", "the recipient domain or MX host pattern, e.g. \"*.google.com\"");
      item.read_checked("match", shaping.match, domain_pattern_problem);
      shaping.match = dns::canonical_name(shaping.match);
      long long value = 0;
      if (item.read_integer("max_connections", 1, 10000, value)) shaping.max_connections = unsigned(value);
      if (item.read_integer("max_messages_per_connection", 1, 1000000, value))
        shaping.max_messages_per_connection = unsigned(value);
      if (item.read_integer("max_recipients", 1, 100000, value)) shaping.max_recipients = unsigned(value);
      item.read("require_tls", shaping.require_tls);
      std::string rate;
      if (item.read("rate", rate)) {
        if (auto parsed = parse_rate(rate))
          shaping.rate = *parsed;
        else
          item.error("rate", "\"" + rate +
                                 "\" is not a rate; write COUNT/UNIT with unit s, m, h or d, e.g. \"100/s\"");
      }
      item.finish();
      out.shaping.push_back(std::move(shaping));
    }
    t.finish();
  }

  void inbound(TableReader& t, InboundConfig& out) {
    for (auto& [text, node] : t.strings("relay_domains")) {
      if (std::string problem = hostname_problem(text); !problem.empty())
        t.error_at(*node, t.key_path("relay_domains"), problem);
      else
        add_domain(out, dns::canonical_name(text));
    }
    positive_duration(t, "max_queue_lifetime", out.max_queue_lifetime);
    absolute_path(t, "database", out.database);
    std::string authserv_id;
    if (t.read_checked("authserv_id", authserv_id,
                       [](const std::string& id) { return id.empty() ? "" : hostname_problem(id); }))
      out.authserv_id = authserv_id.empty() ? "" : dns::canonical_name(authserv_id);
    for (auto& [text, node] : t.strings("dnsbl_zones")) {
      if (std::string problem = hostname_problem(text); !problem.empty())
        t.error_at(*node, t.key_path("dnsbl_zones"), problem + "; write a blocklist zone, e.g. \"zen.spamhaus.org\"");
      else
        out.dnsbl_zones.push_back(dns::canonical_name(text));
    }
    positive_duration(t, "probe_timeout", out.probe_timeout);
    long long entries = static_cast<long long>(out.probe_cache_entries);
    if (t.read_integer("probe_cache_entries", 0, 100000000, entries))
      out.probe_cache_entries = static_cast<std::size_t>(entries);
    if (auto g = t.table("greylist")) greylist(*g, out.greylist);
    if (auto r = t.table("rspamd")) scanner(*r, out.rspamd, false);
    if (auto c = t.table("clamd")) scanner(*c, out.clamd, true);
    if (auto l = t.table("limits")) client_limits(*l, out.limits);
    for (auto& item : t.tables("domain")) inbound_domain(item, out);
    for (const auto& d : out.domains)
      if (d.spam.enabled && out.rspamd.address.empty())
        t.error("domain", "domain \"" + d.name +
                              "\" has spam.enabled but [inbound.rspamd] has no address; set it or turn spam off");
    // The older form: one [[inbound.backend]] (domain, next_hop) per backend of a relay domain.
    for (auto& item : t.tables("backend")) {
      std::string domain;
      InboundBackend backend;
      bool allow_untrusted_routing = false;
      require(item, "domain", "the relay domain this backend receives mail for");
      require(item, "next_hop", "the customer's server: \"HOST[:PORT]\" (port 25 when omitted)");
      InboundDomain* target = nullptr;
      if (item.read_checked("domain", domain, hostname_problem)) {
        domain = dns::canonical_name(domain);
        for (auto& d : out.domains)
          if (d.name == domain) target = &d;
        if (!target)
          item.error("domain", "\"" + domain + "\" is not in [inbound] relay_domains; add it there");
      }
      read_host_port(item, "next_hop", 25, true, backend.address);
      item.read("allow_untrusted_routing", allow_untrusted_routing);
      item.finish();
      if (target) {
        target->backends.push_back(std::move(backend));
        target->allow_untrusted_routing = target->allow_untrusted_routing || allow_untrusted_routing;
      }
    }
    t.finish();
  }

  void inbound_domain(TableReader& item, InboundConfig& out) {
    std::string name;
    require(item, "name", "the relay domain, e.g. \"customer.example\"");
    if (!item.read_checked("name", name, hostname_problem)) {
      item.finish();
      return;
    }
    name = dns::canonical_name(name);
    if (!declared_domains_.insert(name).second) {
      item.error("name", "a second [[inbound.domain]] named \"" + name + "\"; give each domain one table");
      item.finish();
      return;
    }
    InboundDomain& d = add_domain(out, name);
    for (auto& b : item.tables("backend")) {
      InboundBackend backend;
      require(b, "host", "the customer's server: \"HOST[:PORT]\" (port 25 when omitted)");
      read_host_port(b, "host", 25, true, backend.address);
      long long weight = backend.weight, priority = backend.priority;
      if (b.read_integer("weight", 1, 1000, weight)) backend.weight = static_cast<unsigned>(weight);
      if (b.read_integer("priority", 0, 100, priority)) backend.priority = static_cast<unsigned>(priority);
      b.finish();
      d.backends.push_back(std::move(backend));
    }
    enum_key(item, "backend_tls", d.backend_tls, parse_backend_tls, "opportunistic or required");
    item.read("allow_untrusted_routing", d.allow_untrusted_routing);
    enum_key(item, "recipients", d.recipients, parse_recipient_source, "none, list or probe");
    positive_duration(item, "probe_positive_ttl", d.probe_positive_ttl);
    positive_duration(item, "probe_negative_ttl", d.probe_negative_ttl);
    if (d.recipients == RecipientSource::probe && d.backends.empty() && !item.has("backend"))
      item.error("recipients", "\"probe\" asks the domain's backend; add a [[inbound.domain.backend]]");
    item.read("greylist", d.greylist);
    item.read("dmarc_reject", d.dmarc_reject);
    item.read("strip_received", d.strip_received);
    Seconds lifetime{};
    if (positive_duration(item, "max_queue_lifetime", lifetime)) d.max_queue_lifetime = lifetime;
    long long drain = d.drain_rate;
    if (item.read_integer("drain_rate", 0, 100000, drain)) d.drain_rate = static_cast<unsigned>(drain);
    if (auto spam = item.table("spam")) spam_policy(*spam, d.spam);
    item.finish();
  }

  void spam_policy(TableReader& t, SpamPolicy& out) {
    t.read("enabled", out.enabled);
    enum_key(t, "scanner_down", out.scanner_down, parse_scanner_down, "defer or accept");
    for (auto [key, level] : {std::pair<std::string_view, SpamLevelPolicy*>{"low", &out.low},
                              {"med", &out.med},
                              {"high", &out.high}}) {
      auto l = t.table(key);
      if (!l) continue;
      l->read_number("score", -1000, 1000, level->score);
      enum_key(*l, "action", level->action, parse_spam_action, "none, headers, tag, reject or discard");
      if (l->read("tag", level->tag) && level->tag.find_first_of("\r\n") != std::string::npos)
        l->error("tag", "a subject tag cannot hold CR or LF");
      l->finish();
    }
    if (!(out.low.score <= out.med.score && out.med.score <= out.high.score))
      t.error_here("the levels' scores must rise: low.score <= med.score <= high.score");
    t.finish();
  }

  void greylist(TableReader& t, GreylistConfig& out) {
    positive_duration(t, "delay", out.delay);
    positive_duration(t, "retry_window", out.retry_window);
    positive_duration(t, "remember", out.remember);
    long long after = out.auto_whitelist_after;
    if (t.read_integer("auto_whitelist_after", 0, 1000000, after)) out.auto_whitelist_after = static_cast<unsigned>(after);
    networks(t, "whitelist_networks", out.whitelist_networks);
    for (auto& [text, node] : t.strings("whitelist_senders")) {
      if (std::string problem = domain_pattern_problem(text); !problem.empty())
        t.error_at(*node, t.key_path("whitelist_senders"), problem);
      else
        out.whitelist_senders.push_back(text.starts_with("*.") ? "*." + dns::canonical_name(text.substr(2))
                                                               : dns::canonical_name(text));
    }
    if (out.retry_window <= out.delay)
      t.error("retry_window", "must be longer than delay, or no retry could ever pass");
    t.finish();
  }

  void scanner(TableReader& t, ScannerConfig& out, bool unix_allowed) {
    std::string address;
    if (t.read("address", address)) {
      if (unix_allowed && address.starts_with("unix:")) {
        if (address.size() == 5 || address[5] != '/')
          t.error("address", "write \"unix:/absolute/path\" for a local socket");
        else
          out.address = address;
      } else if (!address.empty()) {
        auto parsed = dns::parse_host_port(address, 0, true);
        if (!parsed.value || parsed.value->port == 0)
          t.error("address", "\"" + address + "\" is not HOST:PORT" +
                                 std::string(unix_allowed ? " or unix:/path" : ""));
        else
          out.address = parsed.value->to_string();
      }
    }
    positive_duration(t, "timeout", out.timeout);
    t.finish();
  }

  void client_limits(TableReader& t, ClientLimits& out) {
    long long value = 0;
    if (t.read_integer("max_connections", 0, 100000, value)) out.max_connections = static_cast<unsigned>(value);
    if (t.read_integer("connections_per_minute", 0, 1000000, value))
      out.connections_per_minute = static_cast<unsigned>(value);
    if (t.read_integer("messages_per_minute", 0, 1000000, value))
      out.messages_per_minute = static_cast<unsigned>(value);
    if (t.read_integer("bytes_per_second", 0, 1LL << 40, value))
      out.bytes_per_second = static_cast<std::uint64_t>(value);
    if (t.read_integer("max_tracked_clients", 1000, 100000000, value))
      out.max_tracked_clients = static_cast<std::size_t>(value);
    networks(t, "exempt", out.exempt);
    t.finish();
  }

  static void networks(TableReader& t, std::string_view key, std::vector<dns::IpNetwork>& out) {
    for (auto& [text, node] : t.strings(key)) {
      if (auto network = dns::IpNetwork::parse(text))
        out.push_back(*network);
      else
        t.error_at(*node, t.key_path(key),
                   "\"" + text + "\" is not a network; write ADDRESS/LENGTH, e.g. \"192.0.2.0/24\"");
    }
  }

  template <typename Enum, typename Parse>
  static void enum_key(TableReader& t, std::string_view key, Enum& out, Parse parse, std::string_view expected) {
    std::string text;
    if (!t.read(key, text)) return;
    if (auto value = parse(text))
      out = *value;
    else
      t.error(key, "\"" + text + "\" is not allowed here; expected " + std::string(expected));
  }

  static InboundDomain& add_domain(InboundConfig& out, const std::string& name) {
    for (auto& d : out.domains)
      if (d.name == name) return d;
    out.relay_domains.push_back(name);
    InboundDomain domain;
    domain.name = name;
    out.domains.push_back(std::move(domain));
    return out.domains.back();
  }

  void inject_credentials(TableReader& t, CampaignsConfig& out) {
    bool user_read = t.read("inject_user", out.inject_user);
    if (user_read && out.inject_user.find_first_of(std::string_view("\0\r\n", 3)) != std::string::npos) {
      t.error("inject_user", "a user name cannot hold NUL, CR or LF");
      out.inject_user.clear();
    }
    std::string password_file;
    bool file_read = t.read("inject_password_file", password_file);
    if (file_read && !password_file.empty()) {
      if (password_file.front() != '/') {
        t.error("inject_password_file", "expected an absolute path, got \"" + password_file + "\"");
      } else {
        out.inject_password_file = password_file;
        if (options_.check_files) {
          auto read = read_secret_file(out.inject_password_file, 1);
          OPENSSL_cleanse(read.secret.data(), read.secret.size());
          if (!read.error.empty()) t.error("inject_password_file", read.error);
        }
      }
    }
    if (!out.inject_user.empty() && password_file.empty())
      t.error("inject_user",
              "inject_user needs inject_password_file, the file holding its password; set "
              "both to inject through a submission listener with AUTH, or neither");
    else if (out.inject_user.empty() && !password_file.empty())
      t.error("inject_password_file",
              "inject_password_file needs inject_user, the user to log in as; set "
              "both to inject through a submission listener with AUTH, or neither");
  }

  void campaigns(TableReader& t, CampaignsConfig& out) {
    absolute_path(t, "database", out.database);
    std::string secret_file;
    if (t.read("token_secret_file", secret_file) && !secret_file.empty()) {
      if (secret_file.front() != '/') {
        t.error("token_secret_file", "expected an absolute path, got \"" + secret_file + "\"");
      } else {
        out.token_secret_file = secret_file;
        if (options_.check_files) {
          auto read = read_secret_file(out.token_secret_file);
          OPENSSL_cleanse(read.secret.data(), read.secret.size());
          if (!read.error.empty()) t.error("token_secret_file", read.error);
        }
      }
    }
    std::string check;
    if (t.read("check_suppression", check)) {
      if (auto parsed = parse_suppression_check(check))
        out.check_suppression = *parsed;
      else
        t.error("check_suppression", "\"" + check + "\" is not one of \"campaign\", \"all\", \"off\"");
    }
    std::string inject;
    if (t.read("inject", inject) && !inject.empty()) {  // "": the first relay listener
      auto parsed = dns::parse_host_port(inject, 0, false);
      if (parsed.value)
        out.inject = *parsed.value;
      else
        t.error("inject", parsed.error + "; write IP:PORT of a relay listener, e.g. \"127.0.0.1:2525\"");
    }
    long long connections = 0;
    if (t.read_integer("inject_connections", 1, 64, connections))
      out.inject_connections = static_cast<unsigned>(connections);
    inject_credentials(t, out);
    t.finish();
  }

  void web(TableReader& t, WebConfig& out, const CampaignsConfig& campaigns) {
    std::string text;
    if (t.read("listen", text)) {
      if (text.empty()) {
        out.listen.reset();
      } else {
        auto parsed = dns::parse_host_port(text, 0, false);
        if (parsed.value && campaigns.token_secret_file.empty())
          t.error("listen",
                  "the unsubscribe endpoint needs [campaigns] token_secret_file (the secret that "
                  "signs its tokens); set it, or remove [web] listen");
        else if (parsed.value)
          out.listen = *parsed.value;
        else
          t.error("listen", parsed.error + "; write IP:PORT, e.g. \"127.0.0.1:8080\", or \"\" to disable");
      }
    }
    t.read("tls", out.tls);
    long long threads = 0;
    if (t.read_integer("threads", 1, 64, threads)) out.threads = static_cast<unsigned>(threads);
    positive_duration(t, "timeout", out.timeout);
    t.finish();
  }

  void admin(TableReader& t, AdminConfig& out) {
    std::string text;
    if (t.read("metrics_listen", text)) {
      if (text.empty()) {
        out.metrics_listen.reset();
      } else {
        auto parsed = dns::parse_host_port(text, 0, false);
        if (parsed.value)
          out.metrics_listen = *parsed.value;
        else
          t.error("metrics_listen", parsed.error + "; write IP:PORT, or \"\" to disable");
      }
    }
    t.finish();
  }

  void bounces(TableReader& t, BouncesConfig& out, const InboundConfig& inbound) {
    t.read("record_events", out.record_events);
    long long campaigns = 0;
    if (t.read_integer("soft_bounce_campaigns", 1, 100, campaigns))
      out.soft_bounce_campaigns = static_cast<unsigned>(campaigns);
    t.read_duration("soft_bounce_span", out.soft_bounce_span);
    for (auto& [text, node] : t.strings("domains")) {
      std::string domain = dns::canonical_name(text);
      if (std::string problem = hostname_problem(text); !problem.empty())
        t.error_at(*node, t.key_path("domains"), problem);
      else if (std::find(inbound.relay_domains.begin(), inbound.relay_domains.end(), domain) !=
               inbound.relay_domains.end())
        t.error_at(*node, t.key_path("domains"),
                   "\"" + domain + "\" is also in [inbound] relay_domains: a bounce domain's mail is consumed, "
                   "a relay domain's forwarded; use a domain of its own for bounces (e.g. bounce.example.com)");
      else
        out.domains.push_back(domain);
    }
    std::string rules_file;
    if (t.read("rules_file", rules_file) && !rules_file.empty()) {
      if (rules_file.front() != '/')
        t.error("rules_file", "expected an absolute path, got \"" + rules_file + "\"");
      else
        out.rules_file = rules_file;
      if (options_.check_files && rules_file.front() == '/')
        check_file(t, "rules_file", out.rules_file,
                   "write the path of a bounce rules file (docs/bounces.md), or \"\" for the shipped one");
    }
    std::set<std::string> names;
    for (auto& item : t.tables("rule")) {
      auto rule = read_bounce_rule(item);
      if (!rule) continue;
      if (!names.insert(rule->name).second)
        item.error("name", "a second rule named \"" + rule->name + "\"; give each rule its own name");
      out.rules.push_back(std::move(*rule));
    }
    t.finish();
  }

  static void absolute_path(TableReader& t, std::string_view key, std::filesystem::path& out) {
    std::string text;
    if (!t.read(key, text)) return;
    if (text.empty() || text.front() != '/')
      t.error(key, "expected an absolute path, got \"" + text + "\"");
    else
      out = text;
  }

  bool positive_duration(TableReader& t, std::string_view key, Seconds& out) {
    Seconds value{};
    if (!t.read_duration(key, value)) return false;
    if (value.count() == 0) {
      t.error(key, "must be longer than 0s");
      return false;
    }
    out = value;
    return true;
  }

  static std::optional<Rate> parse_rate(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    std::string_view count_text = text.substr(0, slash), unit = text.substr(slash + 1);
    unsigned count = 0;
    auto [ptr, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(), count);
    if (ec != std::errc{} || ptr != count_text.data() + count_text.size() || count == 0) return std::nullopt;
    std::optional<Seconds> per =
        (unit.size() == 1) ? parse_duration("1" + std::string(unit)) : parse_duration(unit);
    if (!per || per->count() == 0) return std::nullopt;
    return Rate{count, *per};
  }

  std::vector<Diagnostic>& diagnostics_;
  const LoadOptions& options_;
  std::set<std::string> declared_domains_;  // names of [[inbound.domain]] tables read so far
};

}  // namespace

Config default_config() {
  Config config;
  config.server.hostname = machine_hostname();
  return config;
}

std::optional<std::filesystem::path> default_config_file() {
  std::error_code ec;
  std::filesystem::path path{kDefaultConfigPath};
  if (std::filesystem::exists(path, ec)) return path;
  return std::nullopt;
}

LoadResult load_config_text(std::string_view text, std::string source, const LoadOptions& options) {
  LoadResult result;
  result.source = std::move(source);
  toml::table document;
  try {
    document = toml::parse(text, result.source);
  } catch (const toml::parse_error& error) {
    result.errors.push_back({error.source().begin.line, error.source().begin.column, "",
                             "TOML syntax error: " + std::string(error.description())});
    return result;
  }
  Config config = Loader(result.errors, options).load(document);
  if (result.errors.empty()) result.config = std::move(config);
  return result;
}

LoadResult load_config_file(const std::filesystem::path& path, const LoadOptions& options) {
  LoadResult failure;
  failure.source = path.string();
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    failure.errors.push_back({0, 0, "", "cannot read the configuration file: " + ec.message()});
    return failure;
  }
  if (size > kMaxConfigBytes) {
    failure.errors.push_back(
        {0, 0, "", "the file is larger than 4 MiB; is it really a relayctl configuration?"});
    return failure;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    failure.errors.push_back({0, 0, "", "cannot read the configuration file"});
    return failure;
  }
  return load_config_text(text.str(), path.string(), options);
}

std::string format_diagnostic(const std::string& source, const Diagnostic& diagnostic) {
  std::string out = source;
  if (diagnostic.line > 0) {
    out += ":" + std::to_string(diagnostic.line);
    if (diagnostic.column > 0) out += ":" + std::to_string(diagnostic.column);
  }
  out += ": ";
  if (!diagnostic.key.empty()) out += diagnostic.key + ": ";
  return out + diagnostic.message;
}

}  // namespace mta::config
