// evaluator.hpp — SPF's check_host() (RFC 7208 §4–§6, §7, §2.3–2.4): evaluates a sender's SPF policy
// for a client IP through any Resolver, with the 10 DNS-term limit (across includes and redirects), the
// 2 void-lookup limit, the MX/PTR 10-name limits, macros, include/redirect/exp and explanations.
// Errors are results: temperror (DNS timeout/SERVFAIL) and permerror (bad records, limits) carry a
// problem text. Untrusted input: the identities (SMTP) and every record (DNS).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "dns/resolver/resolver.hpp"

namespace dns::spf {

enum class Result { none, neutral, pass, fail, softfail, temperror, permerror };
std::string_view to_string(Result result);

struct Limits {
  unsigned dns_terms = 10;    // §4.6.4
  unsigned void_lookups = 2;  // §4.6.4
  unsigned mx_names = 10;     // §4.6.4: more MX names is permerror
  unsigned ptr_names = 10;    // §4.6.4: names past this are ignored
};

struct Request {
  asio::ip::address ip;
  std::string sender;  // MAIL FROM address; "" for the null sender (then postmaster@HELO, §2.4)
  std::string helo;    // the HELO/EHLO name, for %{h} and the HELO identity
  std::string receiver = "unknown";  // %{r} in explanations
  std::int64_t timestamp = 0;        // %{t}; 0: now
  Limits limits;
};

struct Outcome {
  Result result = Result::none;
  std::string domain;        // the domain whose policy was checked
  std::string record;        // that domain's SPF record, as published ("" when none)
  std::string mechanism;     // the mechanism that decided ("" when none did); "DOMAIN: TERM" inside includes
  std::string explanation;   // on fail: from exp= or the default text
  std::string problem;       // on temperror/permerror: what went wrong
  unsigned dns_lookups = 0;  // DNS-querying terms evaluated (the limited count)
  unsigned void_lookups = 0;
  unsigned queries = 0;  // every DNS query made, including address lookups of MX/PTR names
};

// The MAIL FROM identity (or, for the null sender, postmaster@HELO), as an MTA checks it.
asio::awaitable<Outcome> check_sender(Resolver& resolver, const Request& request);
// The HELO identity (§2.3): check_host for the HELO name with sender postmaster@HELO.
asio::awaitable<Outcome> check_helo(Resolver& resolver, const Request& request);

}  // namespace dns::spf
