#include "mta/queue/router.hpp"

#include "dkim/signing_table.hpp"
#include "dns/name.hpp"
#include "dns/resolver/resolver.hpp"

namespace mta::queue {

StaticRouter::StaticRouter(std::vector<config::Route> routes, dns::Resolver* resolver, Router* fallback)
    : routes_(std::move(routes)), resolver_(resolver), fallback_(fallback) {}

const config::Route* StaticRouter::match(const std::string& domain) const {
  // The most specific pattern wins, as in the signing table: exact, then the longest "*.suffix".
  const config::Route* best = nullptr;
  int best_score = -1;
  for (const auto& route : routes_) {
    int score = dkim::match_specificity(route.domain, domain);
    if (score > best_score) best = &route, best_score = score;
  }
  return best;
}

asio::awaitable<void> resolve_next_hop(const dns::HostPort& hop, dns::Resolver* resolver,
                                       RouteResult& result) {
  Target target{hop.host, hop.port, {}};
  if (auto ip = hop.ip()) {
    target.addresses.push_back(*ip);
  } else if (resolver) {
    for (auto type : {dns::RecordType::a, dns::RecordType::aaaa}) {
      dns::Response response = co_await resolver->query(target.host, type);
      if (response.status == dns::Status::temporary || response.status == dns::Status::malformed) {
        result.status = RouteResult::Status::temporary;
        result.error = "next hop " + target.host + ": DNS " + std::string(dns::to_string(response.status));
        co_return;
      }
      for (const auto& record : response.records)
        if (const auto* address = std::get_if<asio::ip::address>(&record.data))
          target.addresses.push_back(*address);
    }
  }
  if (target.addresses.empty()) {
    result.status = RouteResult::Status::temporary;
    result.error = "next hop " + target.host + " has no address";
    co_return;
  }
  result.targets.push_back(std::move(target));
}

asio::awaitable<RouteResult> route_to_backend(dns::HostPort hop, dns::Resolver* resolver) {
  RouteResult result;
  result.key = "backend:" + hop.to_string();
  co_await resolve_next_hop(hop, resolver, result);
  co_return result;
}

asio::awaitable<RouteResult> Router::route_backend(dns::HostPort hop) {
  return route_to_backend(std::move(hop), nullptr);
}

asio::awaitable<RouteResult> StaticRouter::route_backend(dns::HostPort hop) {
  return route_to_backend(std::move(hop), resolver_);
}

asio::awaitable<RouteResult> StaticRouter::route(std::string domain) {
  domain = dns::canonical_name(domain);
  const config::Route* matched = match(domain);
  if (!matched) {
    if (fallback_) co_return co_await fallback_->route(domain);
    RouteResult none;
    none.status = RouteResult::Status::temporary;
    none.error = "no route for " + domain + " and no MX routing configured";
    co_return none;
  }
  config::Route route = *matched;  // a copy: set_routes may replace routes_ while DNS is asked below
  RouteResult result;
  result.key = "route:" + route.next_hop.to_string();
  result.tls = route.require_tls ? delivery::TlsPolicy::required : delivery::TlsPolicy::opportunistic;
  result.max_queue_lifetime = route.max_queue_lifetime;
  co_await resolve_next_hop(route.next_hop, resolver_, result);
  co_return result;
}

}  // namespace mta::queue
