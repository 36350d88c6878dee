// inbound.hpp — [inbound]: the cloaking side (docs/inbound.md). relayctl is the public MX of each relay
// domain: it takes only good mail for real recipients and forwards it to the customer's own servers.
// Every relay domain has one InboundDomain (its policy); [inbound] holds what the domains share: the
// database (recipient lists, greylist), the scanners, the per-client limits, DNSBL zones.
// Loaded by config_loader.cpp; the older form (relay_domains and [[inbound.backend]] with domain and
// next_hop) still loads, each listed domain becoming an InboundDomain with the defaults below.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/host_port.hpp"
#include "dns/ip_network.hpp"

namespace mta::config {

using Seconds = std::chrono::seconds;

// Where a domain's valid recipients come from. none: every address at the domain is accepted.
enum class RecipientSource { none, list, probe };
std::string_view to_string(RecipientSource source);
std::optional<RecipientSource> parse_recipient_source(std::string_view text);

// What is done to a message at a spam level (none < low < med < high).
enum class SpamAction { none, headers, tag, reject, discard };
std::string_view to_string(SpamAction action);
std::optional<SpamAction> parse_spam_action(std::string_view text);

// A scanner that is down or too slow: defer the message (451 4.7.1) or accept it unscanned, with a header.
enum class ScannerDown { defer, accept };
std::string_view to_string(ScannerDown choice);
std::optional<ScannerDown> parse_scanner_down(std::string_view text);

// TLS to a backend: use it when the backend offers STARTTLS, or defer rather than send without it.
enum class BackendTls { opportunistic, required };
std::string_view to_string(BackendTls tls);
std::optional<BackendTls> parse_backend_tls(std::string_view text);

struct InboundBackend {
  dns::HostPort address;  // any port; 25 when omitted
  unsigned weight = 1;    // share of the mail among the healthy backends of the same priority
  unsigned priority = 0;  // lower first: a higher priority gets mail only while every lower one is down
};

struct SpamLevelPolicy {
  double score = 0;  // the level starts at this score (rspamd's)
  SpamAction action = SpamAction::none;
  std::string tag;  // prepended to the Subject by SpamAction::tag
};

struct SpamPolicy {
  bool enabled = false;  // the customer's own server may do its own spam checking
  SpamLevelPolicy low{5.0, SpamAction::headers, "[SPAM: low] "};
  SpamLevelPolicy med{8.0, SpamAction::tag, "[SPAM: med] "};
  SpamLevelPolicy high{15.0, SpamAction::reject, "[SPAM: high] "};
  ScannerDown scanner_down = ScannerDown::defer;
};

struct InboundDomain {
  std::string name;  // canonical
  std::vector<InboundBackend> backends;
  BackendTls backend_tls = BackendTls::opportunistic;
  // Let clients that are neither authenticated nor trusted use %, ! or a quoted @ in the local part
  // (user%host@domain): only for a backend that needs them and will not relay them on.
  bool allow_untrusted_routing = false;
  RecipientSource recipients = RecipientSource::none;
  Seconds probe_positive_ttl{24 * 60 * 60};  // how long a probe's "exists" is believed
  Seconds probe_negative_ttl{60 * 60};       // how long a probe's "no such user" is believed
  bool greylist = true;
  SpamPolicy spam;
  bool dmarc_reject = false;  // refuse (550 5.7.1) mail failing DMARC from a domain with p=reject
  bool strip_received = false;  // remove the Received fields of the hops before relayctl when forwarding
  std::optional<Seconds> max_queue_lifetime;  // unset: [inbound] max_queue_lifetime
  unsigned drain_rate = 50;  // messages per second to this domain's backends (a backlog drains at this pace); 0: no limit
};

struct GreylistConfig {
  Seconds delay{5 * 60};                    // a triplet is accepted this long after its first attempt
  Seconds retry_window{24 * 60 * 60};       // ... if retried within this long of it
  Seconds remember{35 * 24 * 60 * 60};      // a passed triplet is accepted at once this long after its last use
  unsigned auto_whitelist_after = 5;        // a client network that passed this many triplets is not greylisted; 0: never
  std::vector<dns::IpNetwork> whitelist_networks;
  std::vector<std::string> whitelist_senders;  // sender domains (canonical); "*.example.com" for subdomains
};

// A scanner's address: "HOST:PORT" over TCP, or "unix:/path" for clamd's local socket.
struct ScannerConfig {
  std::string address;  // empty: not configured
  Seconds timeout{10};
};

struct ClientLimits {
  unsigned max_connections = 10;          // at once, per client IP (0: no limit)
  unsigned connections_per_minute = 60;   // (0: no limit)
  unsigned messages_per_minute = 120;     // (0: no limit)
  std::uint64_t bytes_per_second = 1 << 20;  // reads slow down above this; (0: no limit)
  std::size_t max_tracked_clients = 100000;  // memory bound: the least recently seen clients are forgotten
  std::vector<dns::IpNetwork> exempt;        // networks no limit applies to
};

struct InboundConfig {
  // Every relay domain, canonical; derived from domains (and from the older relay_domains key).
  std::vector<std::string> relay_domains;
  std::vector<InboundDomain> domains;
  Seconds max_queue_lifetime{2 * 24 * 60 * 60};  // held for the customer's servers, then bounced with a DSN
  std::filesystem::path database = "/var/lib/relayctl/inbound.db";  // recipient lists and greylist state
  std::string authserv_id;  // Authentication-Results' authserv-id; empty: [server] hostname
  std::vector<std::string> dnsbl_zones;  // client IPs listed in any → 554 5.7.1 at connect
  GreylistConfig greylist;
  ScannerConfig rspamd;                  // spam: rspamd's normal worker, /checkv2
  ScannerConfig clamd{"", Seconds{30}};  // virus: clamd INSTREAM; once set, every relay domain's mail is scanned
  ClientLimits limits;                   // per client IP, on inbound listeners
  // recipients = probe (docs/inbound.md): the whole conversation with one backend, connect to the RCPT
  // reply; a backend slower than this is down for that probe (451 to the client, or the next backend).
  Seconds probe_timeout{10};
  std::size_t probe_cache_entries = 100000;  // probe answers remembered, all domains; least recently used dropped

  const InboundDomain* domain(std::string_view canonical_name) const;
};

}  // namespace mta::config
