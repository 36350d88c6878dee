// backend_balancer.hpp — which of a relay domain's backends (the customer's servers) an attempt tries, in
// what order: weighted round-robin (smooth, as nginx's) across the healthy backends of the lowest priority
// that has any healthy, then the others as failover. Passive health: a backend that failed (refused, timed
// out, 421 or no greeting) is down for a while — 30 s, doubling with each failure in a row up to a cap — and
// skipped; its first success makes it healthy again. When every backend of a domain is down, all are
// offered (soonest back first): mail would only wait otherwise, and a probe finds the one that returned.
// Not thread-safe: the engine uses it on its executor. The clock is the caller's (tests inject times).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dns/host_port.hpp"
#include "mta/config/inbound.hpp"
#include "mta/queue/egress.hpp"

namespace mta::queue {

struct BackendHealthPolicy {
  std::chrono::seconds first_down{30};  // after a first failure
  std::chrono::seconds max_down{300};   // the cap of the doubling
};

class BackendBalancer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit BackendBalancer(BackendHealthPolicy policy = {}) : policy_(policy) {}

  // The backends of each domain (canonical name), replacing the previous set (a reload): the health of a
  // backend still configured is kept, the round-robin of a changed domain starts again.
  void set_domain(const std::string& domain, std::vector<config::InboundBackend> backends);
  void remove_domains_except(const std::vector<std::string>& domains);
  bool has_domain(const std::string& domain) const { return domains_.contains(domain); }

  // The backends one attempt tries, in order: the round-robin pick, the other healthy ones of its priority
  // (heavier first), the healthy ones of later priorities; every backend (soonest back first) when none is
  // healthy. Each call takes a turn of the round-robin. Empty only for an unknown domain or no backends.
  std::vector<dns::HostPort> order(const std::string& domain, Clock::time_point now);
  // The outcome of connecting to a backend (by address: shared by every domain that uses it).
  void failed(const dns::HostPort& backend, Clock::time_point now);
  void succeeded(const dns::HostPort& backend);
  bool healthy(const dns::HostPort& backend, Clock::time_point now) const;

 private:
  struct Group {
    std::vector<config::InboundBackend> backends;  // as configured
    // The round-robin over the healthy backends of the first priority (indexes into backends), made anew
    // when that set changes.
    std::vector<std::size_t> turn_members;
    std::optional<SmoothWeightedRoundRobin> turns;
  };
  struct Health {
    unsigned failures = 0;  // in a row
    Clock::time_point down_until{};
  };
  BackendHealthPolicy policy_;
  std::map<std::string, Group> domains_;
  std::map<std::string, Health> health_;  // by HOST:PORT
};

}  // namespace mta::queue
