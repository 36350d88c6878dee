// lint.hpp — `spf lint`: a published SPF policy checked for the mistakes that make receivers ignore or
// reject it: no record or several, syntax errors, more than 10 DNS-querying terms counted through includes
// and redirects, void lookups, include/redirect targets without a record, loops, +all / missing all,
// the deprecated ptr, mechanisms after all, and records too long for one 512-octet UDP answer.
// Errors: DNS failures make the report temporary. Untrusted input: every record read (DNS).
#pragma once

#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "dns/resolver/resolver.hpp"

namespace dns::spf {

struct LintFinding {
  enum class Severity { error, warning } severity = Severity::error;
  std::string code;     // stable identifier for scripts: "no-record", "too-many-lookups", ...
  std::string message;  // what is wrong and what to do
};

struct LintReport {
  std::string domain;
  std::string record;  // the domain's own SPF record ("" when none)
  std::vector<LintFinding> findings;
  unsigned dns_lookups = 0;   // DNS-querying terms, through includes and redirects
  unsigned void_lookups = 0;  // targets that do not exist or have no records
  bool temporary = false;     // a DNS failure stopped the check; try again
  std::string temporary_detail;
  bool has_errors() const;
};

inline constexpr std::size_t kRecommendedRecordSize = 450;  // RFC 7208 §3.4

asio::awaitable<LintReport> lint(Resolver& resolver, std::string domain);

}  // namespace dns::spf
