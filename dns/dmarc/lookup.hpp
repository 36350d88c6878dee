// lookup.hpp — DMARC policy discovery (RFC 7489 §6.6.3) through dns::Resolver, and the DMARC verdict for a
// sender's SPF and DKIM results (§4.2: pass when either passes and aligns with the From domain).
// A temporary DNS failure is reported as such, never as "no record". Untrusted input: DNS answers.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "dns/dmarc/record.hpp"
#include "dns/resolver/resolver.hpp"

namespace dns {

struct DmarcLookup {
  enum class Outcome {
    found,      // exactly one DMARC record, at the From domain or its organizational domain
    none,       // no DMARC record at either
    multiple,   // more than one v=DMARC1 record at one name: discovery ends, no policy applies (§6.6.3)
    temporary,  // the DNS could not answer; try again
  };
  Outcome outcome = Outcome::none;
  std::string from_domain;
  std::string record_domain;  // the name the record was found under, without "_dmarc."
  std::string text;           // the record as published
  DmarcParse parsed;
  std::string detail;  // for temporary: what the DNS said

  bool at_organizational_domain() const { return outcome == Outcome::found && record_domain != from_domain; }
  // The policy that applies to mail From from_domain: p at the domain itself, sp (default p) for a
  // subdomain under the organizational domain's record.
  std::optional<DmarcPolicy> applied_policy() const;
};

asio::awaitable<DmarcLookup> lookup_dmarc(Resolver& resolver, std::string from_domain);

struct DmarcVerdict {
  bool spf_aligned = false;   // SPF passed for a domain aligned with From
  bool dkim_aligned = false;  // some passing DKIM signature's d= is aligned with From
  bool pass() const { return spf_aligned || dkim_aligned; }
};

// spf_pass_domain: the domain SPF passed for (MAIL FROM's, else HELO's), if SPF passed.
// dkim_pass_domains: the d= of each signature that verified.
DmarcVerdict evaluate_dmarc(const DmarcRecord& record, std::string_view from_domain,
                            const std::optional<std::string>& spf_pass_domain,
                            const std::vector<std::string>& dkim_pass_domains);

}  // namespace dns
