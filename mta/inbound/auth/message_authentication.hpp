// message_authentication.hpp — SPF, DKIM and DMARC of one message received on an inbound listener
// (docs/inbound.md, "Authentication of incoming mail"), recorded in one Authentication-Results field
// (RFC 8601): SPF of the MAIL FROM identity, or of the HELO identity for the null sender (RFC 7208 §2.4);
// every DKIM signature (RFC 6376); DMARC of the RFC5322.From domain with SPF and DKIM alignment (RFC 7489).
// Usage: header + remove_forged_results(message, id) is the message to pass on (RFC 8601 §5).
// Errors are results (temperror, permerror), never exceptions; a DNS failure never reads as "fail".
// DMARC is temperror, not fail, when SPF or an aligned DKIM signature could not be checked for now.
// Untrusted input: the message, the SMTP identities and every DNS answer; none can add a line to the field.
#pragma once

#include <string>
#include <string_view>

#include <asio/awaitable.hpp>

#include "dkim/verifier.hpp"
#include "dns/resolver/resolver.hpp"

namespace mta::inbound::auth {

struct AuthenticationInput {
  std::string client_ip;
  std::string helo;
  std::string mail_from;     // "" for <>
  std::string_view message;  // must outlive the authenticate() call
  std::string authserv_id;
};

struct AuthenticationOutcome {
  std::string header;  // the whole "Authentication-Results: ...\r\n" field, folded, ready to prepend
  std::string spf, dkim, dmarc;  // result words (pass, fail, softfail, neutral, none, temperror, permerror)
  std::string from_domain;       // RFC5322.From domain ("" when there is not exactly one)
  std::string dmarc_policy;  // the policy in effect for this message (none, quarantine, reject), "" without
  bool dmarc_reject_policy = false;  // DMARC failed and the policy in effect (p / sp, pct) is reject
};

// Pass a named AuthenticationInput (gcc 12 and temporaries in coroutines, dns/resolver/resolver.hpp).
asio::awaitable<AuthenticationOutcome> authenticate(dns::Resolver& resolver, const dkim::Verifier& verifier,
                                                    AuthenticationInput input);

// message without the Authentication-Results fields whose authserv-id is authserv_id (case-insensitive,
// after any CFWS): forged, or left by an earlier pass through us. Everything else is kept byte for byte,
// other A-R fields included; the body is never touched.
std::string remove_forged_results(std::string_view message, std::string_view authserv_id);

}  // namespace mta::inbound::auth
