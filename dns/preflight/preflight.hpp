// preflight.hpp — `relayctl preflight`: every deliverability check for a set of sending IPs (egress
// sources) and sending domains, run concurrently through one Resolver, gathered into one Report:
//   static-ip   address class (private, CGNAT, documentation...), local interfaces, PTR naming, PBL
//   rdns        a PTR exists and is forward-confirmed (FCrDNS)
//   ehlo        the source's EHLO name is its PTR name and resolves back to the IP
//   spf         each envelope and From domain: one valid record (lint), pass for every sending IP
//   dkim        each signing key: published, matching, long enough (through an injected checker, so that
//               dns/ does not depend on dkim/)
//   dmarc       a record for each From domain, policy at least p=none, rua present
//   dmarc-alignment  SPF (envelope domain) or DKIM (d=) passes and aligns with the From domain
//   dnsbl       each IP on the IP lists, each domain on the domain lists; lists probed first (RFC 5782)
//   mx          the envelope domain can receive bounces; the From domain is not a null-MX domain
//   tls         the server certificate (when one is given)
// plus whatever findings the caller adds (message checks), then the bulk-sender rules derived from them.
// Errors: a check that could not run (DNS timeout, list refusing us) is Status::error, never a pass.
// Untrusted input: every DNS answer.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "dns/dnsbl/lists.hpp"
#include "dns/preflight/report.hpp"
#include "dns/resolver/resolver.hpp"

namespace dns::preflight {

struct SendingSource {
  std::string name;  // the egress source's name, or "" for an address given on the command line
  asio::ip::address address;
  std::string ehlo;  // the EHLO name it uses ("" skips the ehlo check)
};

struct DkimKey {
  std::string domain;    // d=
  std::string selector;  // s=
  std::filesystem::path key;
  std::vector<std::string> signs_from;  // the From domains whose mail it signs; empty: all of them
};

// What a DKIM key check found: the finding to report, and whether the key will produce passing
// signatures (for alignment).
struct DkimKeyResult {
  Finding finding;
  bool usable = false;
};
using DkimChecker = std::function<asio::awaitable<DkimKeyResult>(Resolver&, const DkimKey&)>;

struct PreflightInput {
  std::vector<SendingSource> sources;
  std::vector<std::string> from_domains;      // RFC 5322.From domains
  std::vector<std::string> envelope_domains;  // MAIL FROM (bounce) domains
  std::vector<DkimKey> dkim_keys;
  // Domains of the links in the campaign's message: domain lists only; a listed one's fix is to drop the
  // links.
  std::vector<std::string> link_domains;
  std::vector<dnsbl::ListDefinition> ip_lists;
  std::vector<dnsbl::ListDefinition> domain_lists;
  std::string pbl_zone = "zen.spamhaus.org";  // "" skips the policy-list part of the static-IP check
  // TLS: checked when hostname is set (certificate empty: the self-signed default, a warning).
  std::string hostname;
  std::filesystem::path certificate;
  std::filesystem::path certificate_key;
  // Local interface addresses; nullopt: ask the system (local_addresses()).
  std::optional<std::vector<asio::ip::address>> local_addresses;
};

// Runs every check; extra findings (message checks) join the report before the bulk-sender rules.
asio::awaitable<Report> run_preflight(Resolver& resolver, const PreflightInput& input,
                                      const DkimChecker& dkim, const std::vector<Finding>& extra);

}  // namespace dns::preflight
