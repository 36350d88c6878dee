// dynamic_name.hpp — does a PTR name look like a generic name given to dynamic (residential) addresses?
// The approach of SpamAssassin's RDNS_DYNAMIC and rspamd's hostname checks: the IP's octets embedded in
// the name (decimal or hex), tokens such as dyn, dhcp, pool, dsl, cable, ppp, dial, cpe, res, client; with
// static/fix and mail-server tokens (mail, mx, smtp, relay) as counter-evidence. Each reason carries a
// weight; a score of kDynamicThreshold or more is "dynamic-looking". Pure; untrusted input: the name.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <asio/ip/address.hpp>

namespace dns::rdns {

struct Reason {
  std::string code;  // "ip-in-name", "dynamic-token", "static-token", "no-ptr", "fcrdns", "pbl"...
  std::string text;
  int weight = 0;  // positive: towards dynamic; negative: towards static
};

inline constexpr int kDynamicThreshold = 3;

std::vector<Reason> dynamic_name_reasons(std::string_view ptr_name, const asio::ip::address& ip);
int score(const std::vector<Reason>& reasons);

}  // namespace dns::rdns
