// config.hpp — relayctl's configuration: one TOML file, validated whole at start.
// Every member's default is the built-in configuration (loopback listeners only), so a Config{} is what
// `relayctl serve` runs with when no file is given. docs/configuration.md documents each key.
// Loading (config_loader.hpp) is the only place that sees untrusted text; these structs hold checked values.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dkim/signing_table.hpp"
#include "mta/config/bounce_rule.hpp"
#include "mta/config/inbound.hpp"
#include "dns/host_port.hpp"
#include "dns/ip_network.hpp"
#include "mta/config/session_limits.hpp"

namespace mta::config {

using Seconds = std::chrono::seconds;

enum class ListenerKind { submission, smtps, relay, inbound };
std::string_view to_string(ListenerKind kind);
std::optional<ListenerKind> parse_listener_kind(std::string_view text);

struct Listener {
  std::string address;  // an IP literal
  std::uint16_t port = 0;
  ListenerKind kind = ListenerKind::submission;
};

struct TlsConfig {
  std::filesystem::path certificate;  // empty: a self-signed pair kept in the spool directory
  std::filesystem::path key;
};

struct AuthConfig {
  bool plaintext_on_loopback = false;  // offer AUTH without TLS to clients on 127.0.0.0/8 and ::1
};

struct ServerConfig {
  std::string hostname;  // banner, EHLO and Received; empty in a file means the machine's host name
  std::vector<Listener> listeners{{"127.0.0.1", 587, ListenerKind::submission},
                                  {"127.0.0.1", 465, ListenerKind::smtps}};
  std::vector<dns::IpNetwork> trusted_networks{*dns::IpNetwork::parse("127.0.0.0/8"),
                                               *dns::IpNetwork::parse("::1")};
  TlsConfig tls;
  SessionLimits limits;  // [server.limits]
  AuthConfig auth;             // [server.auth]
};

struct SpoolConfig {
  std::filesystem::path directory = "/var/spool/relayctl";
};

struct DnsConfig {
  std::vector<dns::HostPort> nameservers;  // empty: those of /etc/resolv.conf
  Seconds timeout{5};
};

struct DkimConfig {
  std::string canonicalization = "relaxed/relaxed";
  std::optional<Seconds> expire_after;  // x= = t= + this; unset: signatures carry no x=
  std::vector<dkim::SigningRule> sign;
};

struct EgressSource {
  std::string name;
  std::string address;  // local IP to bind for outgoing connections
  std::string ehlo;     // EHLO name (empty: [server] hostname); should equal the address's PTR name
};

struct PoolMember {
  std::string source;
  unsigned weight = 1;
};

struct EgressPool {
  std::string name;
  std::vector<PoolMember> sources;
};

// [[delivery.sender_pool]]: mail from matching senders leaves from that pool.
struct SenderPool {
  std::string sender;  // "user@example.com", "example.com" (any address there) or "*.example.com"
  std::string pool;
};

struct Route {
  std::string domain;  // recipient domain, "*.example.com" for its subdomains, or "*" for all (smart host)
  dns::HostPort next_hop;
  bool require_tls = false;
  std::optional<Seconds> max_queue_lifetime;
};

struct Rate {
  unsigned count = 0;  // 0: unlimited
  Seconds per{1};
  friend bool operator==(const Rate&, const Rate&) = default;
};
std::string to_string(const Rate& rate);

struct Shaping {
  std::string match;                         // recipient domain or MX host pattern ("*.google.com")
  unsigned max_connections = 0;              // 0: the global default
  unsigned max_messages_per_connection = 0;  // 0: the global default
  Rate rate;
  unsigned max_recipients = 0;  // RCPTs per transaction; 0: the global default (100)
  bool require_tls = false;     // defer rather than send without STARTTLS
};

struct DeliveryConfig {
  std::filesystem::path accounting_log = "/var/log/relayctl/delivery.log";  // one JSON line per attempt
  Seconds retry_initial{5 * 60};
  Seconds retry_max{60 * 60};
  Seconds max_queue_lifetime{5 * 24 * 60 * 60};
  Seconds delay_warning_after{0};  // one "still trying" DSN to the sender after this long queued; 0: none
  Seconds rate_limit_pause{60};    // a destination's pause after a rate-limiting reply; doubles per reply
  Seconds rate_limit_pause_max{30 * 60};
  std::vector<EgressSource> sources;
  std::vector<EgressPool> pools;
  std::string default_pool;  // empty: mail no sender_pool matches leaves from the OS's choice of address
  std::vector<SenderPool> sender_pools;
  std::vector<Route> routes;
  std::vector<Shaping> shaping;
};

// Which mail the suppression list is checked for at RCPT: campaign mail (a valid VERP return path), all
// mail from submission, smtps and relay listeners, or none.
enum class SuppressionCheck { campaign, all, off };
std::string_view to_string(SuppressionCheck check);
std::optional<SuppressionCheck> parse_suppression_check(std::string_view text);

struct CampaignsConfig {
  std::filesystem::path database = "/var/lib/relayctl/relayctl.db";
  // The secret that signs VERP return paths and unsubscribe URLs (campaigns/tokens/verp.hpp); empty: none set.
  std::filesystem::path token_secret_file;
  SuppressionCheck check_suppression = SuppressionCheck::campaign;
  // Where `campaign send` injects: a relay listener of the daemon that trusts this host, or with
  // inject_user a submission listener. Unset: the first [[server.listener]] of kind relay (submission
  // with inject_user).
  std::optional<dns::HostPort> inject;
  unsigned inject_connections = 16;  // persistent SMTP connections, one message in flight on each
  // AUTH PLAIN for `campaign send` (both or neither): the user, and the file holding its password.
  std::string inject_user;
  std::filesystem::path inject_password_file;
};

// The one-click unsubscribe endpoint (RFC 8058), campaigns/web/.
struct WebConfig {
  std::optional<dns::HostPort> listen;  // none: disabled (the default)
  bool tls = false;                     // serve HTTPS with [server.tls]'s certificate
  unsigned threads = 4;                 // requests handled at once
  Seconds timeout{10};                  // read and write timeout per request
};

struct AdminConfig {
  std::optional<dns::HostPort> metrics_listen = dns::HostPort{"127.0.0.1", 9587};  // none: disabled
};

// [bounces] (campaigns/bounces/, docs/bounces.md): delivery events, how replies and bounce messages are
// classified, the bounce domains whose mail relayctl consumes, and the suppression of addresses that keep
// bouncing.
struct BouncesConfig {
  bool record_events = true;  // every delivery attempt also a row in [campaigns] database
  // Soft bounces suppress an address once its last soft_bounce_campaigns campaigns all soft-bounced for it
  // and the first of them was at least soft_bounce_span before the last (a delivery in between resets).
  unsigned soft_bounce_campaigns = 3;
  Seconds soft_bounce_span{15 * 24 * 60 * 60};
  std::filesystem::path rules_file;  // empty: bounce-rules.toml installed beside relayctl
  std::vector<BounceRule> rules;     // [[bounces.rule]], checked before the rules file's
  // Dedicated bounce domains: every address there is a bounce mailbox (its mail is parsed and recorded, never
  // forwarded). Each campaign's bounce mailbox is one without being listed.
  std::vector<std::string> domains;  // canonical
};

struct Config {
  ServerConfig server;
  SpoolConfig spool;
  DnsConfig dns;
  DkimConfig dkim;
  DeliveryConfig delivery;
  InboundConfig inbound;
  CampaignsConfig campaigns;
  WebConfig web;
  BouncesConfig bounces;
  AdminConfig admin;
};

// gethostname() when it is a valid host name, else "localhost". Set [server] hostname to the FQDN.
std::string machine_hostname();

}  // namespace mta::config
