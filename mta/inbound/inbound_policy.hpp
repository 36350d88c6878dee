// inbound_policy.hpp — the cloaking side's policy chain (docs/inbound.md), which the SMTP server runs for
// mail to a relay domain from a client that is neither authenticated nor trusted, on inbound listeners:
//   connect      → blocklisted(): the client's IP on a DNSBL of [inbound] dnsbl_zones
//   RCPT         → check_recipient(): a valid recipient (list or cached live probe), then greylisting
//   end of DATA  → scan(): clamd, then rspamd when the domain has spam on; authenticate(): SPF, DKIM, DMARC;
//                  then finish(): the verdict (accept, refuse, discard) and the message's new header fields.
// Per-client limits (limits/client_limiter.hpp) are the server's: they hold state across settings.
// One InboundPolicy per configuration: the daemon builds a new one on SIGHUP, and a session keeps the one it
// started with. Threads: check_recipient() and scan() block (SQLite, sockets to the backend and the
// scanners; each bounded by a timeout) — call them on a worker pool, never on an I/O thread;
// blocklisted() and authenticate() are coroutines for the resolver's executor (one thread: run them there
// with co_spawn); finish() is pure. Nothing here throws on input: every failure is a verdict.
// Untrusted input: the client's address, envelope and message.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "mta/config/config.hpp"
#include "mta/smtp/reply.hpp"

namespace dns {
class Resolver;
}
namespace dkim {
class Verifier;
}

namespace mta::inbound {

class RecipientList;
class RecipientProbe;
class Greylist;
namespace scan {
class RspamdClient;
class ClamdClient;
}  // namespace scan

// A refusal from the chain: the error (its code and metrics label) and its text ("" for the table's).
struct Refusal {
  smtp::SmtpError error;
  std::string text;
};

// Who sent the message, as the scanners and the authentication checks need it.
struct MessageContext {
  std::string client_ip;
  std::string helo;
  std::string sender;  // MAIL FROM, "" for <>
  std::vector<std::string> recipients;
};

// What the scanners said of one message.
struct ScanResult {
  std::optional<Refusal> refusal;  // virus found, a scanner down with no way to accept
  bool spam_scanned = false;       // rspamd answered
  bool spam_unscanned = false;     // rspamd was down and the domain accepts unscanned mail
  double spam_score = 0;
  std::vector<std::string> spam_symbols;
};

// What authenticate() found.
struct AuthenticationResult {
  std::string header;  // "Authentication-Results: ...\r\n"
  bool dmarc_reject_policy = false;  // DMARC failed and the From domain's policy is reject
  std::string from_domain;
};

struct Verdict {
  enum class Kind { accept, refuse, discard } kind = Kind::accept;
  std::optional<Refusal> refusal;  // for refuse
  std::string level;               // the spam level ("none", "low", ...), for the log
};

class InboundPolicy {
 public:
  // The database ([inbound] database) is opened when a domain has a recipient list or greylisting on;
  // error: a message naming the file and what to do. clock: unix seconds (greylisting, probe cache).
  static std::shared_ptr<InboundPolicy> create(const config::Config& config, std::function<std::int64_t()> clock,
                                               std::string& error);
  ~InboundPolicy();
  InboundPolicy(const InboundPolicy&) = delete;
  InboundPolicy& operator=(const InboundPolicy&) = delete;

  // The first [inbound] dnsbl_zones zone listing the client, or nothing.
  asio::awaitable<std::optional<std::string>> blocklisted(dns::Resolver& resolver, asio::ip::address client) const;
  // Blocking. The recipient source's answer, then greylisting; nothing when the recipient is accepted.
  std::optional<Refusal> check_recipient(const config::InboundDomain& domain, const std::string& client_ip,
                                         const std::string& sender, const std::string& recipient);
  // Blocking. clamd (when configured), then rspamd (when the domain has spam on).
  ScanResult scan(const config::InboundDomain& domain, const MessageContext& context, std::string_view message) const;
  // SPF of the sender, every DKIM signature, DMARC of the From domain.
  asio::awaitable<AuthenticationResult> authenticate(dns::Resolver& resolver, const dkim::Verifier& verifier,
                                                     MessageContext context, std::string_view message) const;
  // The verdict, and the message made ready to store: forged Authentication-Results and X-Spam fields
  // removed, ours added (Authentication-Results after our Received field, X-Spam fields at the top), the
  // Subject tagged, earlier Received fields removed (strip_received).
  Verdict finish(const config::InboundDomain& domain, const ScanResult& scan, const AuthenticationResult& auth,
                 std::string& message) const;

  const std::string& authserv_id() const { return authserv_id_; }
  const Greylist* greylist() const { return greylist_.get(); }
  const RecipientProbe* probe() const { return probe_.get(); }
  const RecipientList* recipient_list() const { return recipients_.get(); }

  // What the scanners said and what the chain decided, for /metrics (inbound_metrics.hpp).
  struct Counters {
    std::atomic<std::uint64_t> virus_clean{0}, virus_infected{0}, virus_error{0};
    std::atomic<std::uint64_t> spam_scanned{0}, spam_error{0};
    std::atomic<std::uint64_t> accepted{0}, refused{0}, discarded{0};
  };
  const Counters& counters() const { return counters_; }
  void count(const Verdict& verdict) const {
    ++(verdict.kind == Verdict::Kind::accept    ? counters_.accepted
       : verdict.kind == Verdict::Kind::discard ? counters_.discarded
                                                : counters_.refused);
  }

 private:
  InboundPolicy() = default;

  config::InboundConfig config_;
  std::string authserv_id_;
  std::string hostname_;
  std::unique_ptr<RecipientList> recipients_;
  std::unique_ptr<RecipientProbe> probe_;
  std::unique_ptr<Greylist> greylist_;
  std::unique_ptr<scan::RspamdClient> rspamd_;
  std::unique_ptr<scan::ClamdClient> clamd_;
  mutable Counters counters_;
};

}  // namespace mta::inbound
