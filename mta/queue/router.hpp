// router.hpp — where mail for a recipient domain goes: an ordered list of hosts (MX hosts, a static next
// hop, an inbound backend) and the key of the destination queue it joins. Domains routed to the same
// hosts share one key, so they share connections and limits. Static routes ([[delivery.route]]) come
// first; other domains go to the MX router when one is given (the dns/ resolver's MX lookup). Mail an
// inbound listener accepted for a domain with an [[inbound.backend]] goes to that backend, past both.
// Results are values: a permanent failure (no such domain, null MX) bounces, a temporary one defers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "dns/host_port.hpp"
#include "mta/config/config.hpp"
#include "mta/delivery/smtp_client.hpp"

namespace dns {
class Resolver;
}

namespace mta::queue {

struct Target {
  std::string host;  // the name to greet and to use for SNI; an IP literal for literal next hops
  std::uint16_t port = 25;
  std::vector<asio::ip::address> addresses;  // in the order to try
};

struct RouteResult {
  enum class Status { ok, temporary, permanent };
  Status status = Status::ok;
  std::string key;              // destination queue key, e.g. "route:127.0.0.1:2525" or "mx:mx1.example.org"
  std::vector<Target> targets;  // in the order to try
  delivery::TlsPolicy tls = delivery::TlsPolicy::opportunistic;
  std::optional<std::chrono::seconds> max_queue_lifetime;
  std::string backend_group;  // a relay domain's backends: targets empty, chosen per attempt by the engine
  std::string error;               // for temporary/permanent: what happened
  std::string enhanced = "4.4.3";  // RFC 3463 code for a failure (5.1.2 bad domain, 5.1.10 null MX, ...)
};

class Router {
 public:
  virtual ~Router() = default;
  virtual asio::awaitable<RouteResult> route(std::string domain) = 0;
  // An inbound backend: straight to hop (key "backend:HOST:PORT"). Here only an IP literal resolves;
  // routers with a resolver look host names up (A, then AAAA).
  virtual asio::awaitable<RouteResult> route_backend(dns::HostPort hop);
};

// Fills result.targets with hop's addresses (its IP literal, else A then AAAA from resolver when given);
// a DNS failure or no address makes result temporary.
asio::awaitable<void> resolve_next_hop(const dns::HostPort& hop, dns::Resolver* resolver,
                                       RouteResult& result);

// An inbound backend's route: key "backend:HOST:PORT", hop's addresses as resolve_next_hop finds them.
asio::awaitable<RouteResult> route_to_backend(dns::HostPort hop, dns::Resolver* resolver);

// Static routes from the configuration, then (if given) another router for everything else. Host-name
// next hops are resolved to addresses with the resolver (A, then AAAA).
class StaticRouter : public Router {
 public:
  StaticRouter(std::vector<config::Route> routes, dns::Resolver* resolver, Router* fallback);
  asio::awaitable<RouteResult> route(std::string domain) override;
  asio::awaitable<RouteResult> route_backend(dns::HostPort hop) override;
  // Replaces the static routes (SIGHUP). Call it on the executor that routes.
  void set_routes(std::vector<config::Route> routes) { routes_ = std::move(routes); }

 private:
  const config::Route* match(const std::string& domain) const;
  std::vector<config::Route> routes_;
  dns::Resolver* resolver_;
  Router* fallback_;
};

}  // namespace mta::queue
