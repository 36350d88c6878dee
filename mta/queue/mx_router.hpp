// mx_router.hpp — routes a recipient domain to its MX hosts (RFC 5321 §5.1): MX records in preference
// order, random order among equal preferences, each host's IPv6 and IPv4 addresses; the implicit MX (the
// domain itself) when there is none; and a bounce at once for the null MX of RFC 7505 (5.1.10), a domain
// that does not exist (5.1.2), and one with neither MX nor address records or no address for any MX host
// (5.4.4). The destination key is the sorted set of MX host names, so domains hosted by one provider share
// a queue. Temporary DNS failures defer. Untrusted input: DNS answers, via dns/.
#pragma once

#include <random>

#include "mta/queue/router.hpp"

namespace mta::queue {

class MxRouter : public Router {
 public:
  explicit MxRouter(dns::Resolver& resolver, std::size_t max_hosts = 10);
  asio::awaitable<RouteResult> route(std::string domain) override;

 private:
  dns::Resolver& resolver_;
  std::size_t max_hosts_;
  std::mt19937 random_;
};

}  // namespace mta::queue
