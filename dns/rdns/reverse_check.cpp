#include "dns/rdns/reverse_check.hpp"

#include "dns/dnsbl/check.hpp"
#include "dns/ip_network.hpp"
#include "dns/resolver/lookups.hpp"

namespace dns::rdns {

namespace {

void note_failure(ReverseReport& report, const std::string& what, Status status, const std::string& detail) {
  if (status != Status::temporary && status != Status::malformed) return;
  report.temporary = true;
  if (report.temporary_detail.empty()) report.temporary_detail = what + ": " + detail;
}

// Incomplete evidence (a DNS failure, an unchecked policy list) can show an IP dynamic, never static.
ReverseReport::Verdict verdict_of(int score, bool incomplete) {
  if (score >= kDynamicThreshold) return ReverseReport::Verdict::looks_dynamic;
  return incomplete ? ReverseReport::Verdict::unknown : ReverseReport::Verdict::looks_static;
}

}  // namespace

std::string_view to_string(ReverseReport::Verdict verdict) {
  switch (verdict) {
    case ReverseReport::Verdict::looks_static:
      return "static";
    case ReverseReport::Verdict::looks_dynamic:
      return "dynamic";
    case ReverseReport::Verdict::unknown:
      return "unknown";
  }
  return "?";
}

asio::awaitable<ReverseReport> check_reverse(Resolver& resolver, asio::ip::address ip_in,
                                             const ReverseOptions& options) {
  // Coroutine locals at function scope (gcc 12, see docs/architecture.md).
  dnsbl::ListDefinition policy_list;
  std::string target;
  dnsbl::ListResult policy;
  ReverseReport report;
  asio::ip::address ip = unmap_v4(ip_in);
  report.ip = ip;
  auto ptr = co_await lookup_ptr(resolver, ip);
  note_failure(report, "PTR " + reverse_name(ip), ptr.status, ptr.detail);
  for (const auto& name : ptr.values) {
    if (report.names.size() >= options.max_names) break;
    PtrName entry{name, {}, false};
    Lookup<asio::ip::address> forward;
    if (ip.is_v4())
      forward = co_await lookup_a(resolver, name);
    else
      forward = co_await lookup_aaaa(resolver, name);
    note_failure(report, name, forward.status, forward.detail);
    for (const auto& address : forward.values) {
      entry.addresses.push_back(address.to_string());
      if (unmap_v4(address) == ip) entry.confirmed = true;
    }
    report.fcrdns = report.fcrdns || entry.confirmed;
    report.names.push_back(std::move(entry));
  }
  if (ptr.status == Status::nxdomain || ptr.status == Status::nodata) {
    report.reasons.push_back({"no-ptr", ip.to_string() + " has no PTR record; mail servers need one", 3});
  } else if (!report.names.empty() && !report.fcrdns) {
    report.reasons.push_back(
        {"fcrdns",
         "no PTR name of " + ip.to_string() + " resolves back to it (forward-confirmed reverse DNS fails)",
         2});
  }
  for (const auto& entry : report.names) {
    auto reasons = dynamic_name_reasons(entry.name, ip);
    report.reasons.insert(report.reasons.end(), reasons.begin(), reasons.end());
  }
  report.naming = verdict_of(score(report.reasons), report.temporary);
  if (!options.pbl_zone.empty()) {
    // Probed first, as every blocklist is: a list that refuses us or answers wrongly is "could not check".
    policy_list = dnsbl::list_for_zone(options.pbl_zone, dnsbl::ListKind::ip);
    target = ip.to_string();
    policy = co_await dnsbl::probe_and_check(resolver, policy_list, target);
    if (policy.verdict == dnsbl::Verdict::error) report.policy_error = policy.list + ": " + policy.error;
    for (const auto& code : policy.codes)
      if (code.policy)
        report.reasons.push_back(
            {"pbl", ip.to_string() + " is on " + policy.list + " " + code.code + ": " + code.meaning, 5});
  }
  report.score = score(report.reasons);
  report.verdict = verdict_of(report.score, report.temporary || !report.policy_error.empty());
  co_return report;
}

}  // namespace dns::rdns
