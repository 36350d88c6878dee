#include "mta/queue/mx_router.hpp"

#include <algorithm>
#include <set>

#include "dns/name.hpp"
#include "dns/resolver/lookups.hpp"

namespace mta::queue {

MxRouter::MxRouter(dns::Resolver& resolver, std::size_t max_hosts)
    : resolver_(resolver), max_hosts_(max_hosts), random_(std::random_device{}()) {}

asio::awaitable<RouteResult> MxRouter::route(std::string domain) {
  RouteResult result;
  domain = dns::canonical_name(domain);
  dns::MxLookup mx = co_await dns::lookup_mx(resolver_, domain);
  if (mx.status == dns::Status::nxdomain) {
    result.status = RouteResult::Status::permanent;
    result.enhanced = "5.1.2";
    result.error = "the domain " + domain + " does not exist";
    co_return result;
  }
  if (mx.null_mx) {
    result.status = RouteResult::Status::permanent;
    result.enhanced = "5.1.10";
    result.error = domain + " accepts no mail (null MX, RFC 7505)";
    co_return result;
  }
  if (mx.status == dns::Status::nodata) {
    result.status = RouteResult::Status::permanent;
    result.enhanced = "5.4.4";
    result.error = domain + " has neither MX nor address records";
    co_return result;
  }
  if (!mx.ok()) {
    result.status = RouteResult::Status::temporary;
    result.enhanced = "4.4.3";
    result.error = "MX lookup for " + domain + ": " + std::string(dns::to_string(mx.status)) +
                   (mx.detail.empty() ? "" : " (" + mx.detail + ")");
    co_return result;
  }
  // Equal preferences in random order (RFC 5321 §5.1), the groups in preference order.
  auto& hosts = mx.hosts;
  for (auto begin = hosts.begin(); begin != hosts.end();) {
    auto end = std::find_if(begin, hosts.end(),
                            [&](const dns::MxData& h) { return h.preference != begin->preference; });
    std::shuffle(begin, end, random_);
    begin = end;
  }
  if (hosts.size() > max_hosts_) hosts.resize(max_hosts_);

  std::set<std::string> names;
  bool temporary = false;
  for (const auto& host : hosts) {
    names.insert(host.exchange);
    std::string name = host.exchange;  // named: gcc 12 and coroutine temporaries
    auto addresses = co_await dns::lookup_addresses(resolver_, name);
    if (addresses.status == dns::Status::temporary || addresses.status == dns::Status::malformed)
      temporary = true;
    if (addresses.values.empty()) continue;
    Target target{host.exchange, 25, {}};
    // IPv6 first, then IPv4, as most MTAs do when both are configured.
    for (const auto& a : addresses.values)
      if (a.is_v6()) target.addresses.push_back(a);
    for (const auto& a : addresses.values)
      if (a.is_v4()) target.addresses.push_back(a);
    result.targets.push_back(std::move(target));
  }
  if (result.targets.empty()) {
    result.status = temporary ? RouteResult::Status::temporary : RouteResult::Status::permanent;
    result.enhanced = temporary ? "4.4.3" : "5.4.4";
    result.error = "no address for any MX host of " + domain;
    co_return result;
  }
  result.key = "mx:";
  for (const auto& name : names)
    result.key += name + ",";
  result.key.pop_back();
  co_return result;
}

}  // namespace mta::queue
