// reverse_check.hpp — reverse DNS of a sending IP: its PTR names, forward-confirmed reverse DNS (a PTR
// name whose A/AAAA records include the IP again), and a static-or-dynamic verdict from the names
// (dynamic_name.hpp), a missing PTR, a failed FCrDNS and a policy-list (Spamhaus PBL) listing, each reason
// with its weight; also the verdict of the PTR evidence alone. Errors: DNS failures make the report
// temporary; a policy list that cannot be checked (refuses us, fails its RFC 5782 test points, DNS failure)
// is policy_error, never "not listed"; either leaves a verdict short of "dynamic" unknown. Untrusted input:
// all DNS data.
#pragma once

#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "dns/rdns/dynamic_name.hpp"
#include "dns/resolver/resolver.hpp"

namespace dns::rdns {

struct ReverseOptions {
  std::string pbl_zone = "zen.spamhaus.org";  // "" skips the policy-list check
  unsigned max_names = 10;                    // PTR names followed forward
};

struct PtrName {
  std::string name;
  std::vector<std::string> addresses;  // its A/AAAA records (the IP's family)
  bool confirmed = false;              // addresses include the IP
};

struct ReverseReport {
  asio::ip::address ip;
  std::vector<PtrName> names;
  bool fcrdns = false;  // at least one name is confirmed
  std::vector<Reason> reasons;  // the PTR evidence, then any policy listing ("pbl")
  int score = 0;
  enum class Verdict { looks_static, looks_dynamic, unknown };
  Verdict verdict = Verdict::unknown;  // from all the reasons
  Verdict naming = Verdict::unknown;   // from the PTR evidence alone (names, a missing PTR, FCrDNS)
  bool temporary = false;              // a DNS failure left the PTR or forward answers incomplete
  std::string temporary_detail;
  std::string policy_error;  // the policy list could not be checked: which, and why ("" when it was)
};
std::string_view to_string(ReverseReport::Verdict verdict);

asio::awaitable<ReverseReport> check_reverse(Resolver& resolver, asio::ip::address ip,
                                             const ReverseOptions& options);

}  // namespace dns::rdns
