#include "mta/queue/backend_balancer.hpp"

#include <algorithm>

namespace mta::queue {
namespace {

unsigned weight_of(const config::InboundBackend& backend) {
  return std::max(1u, backend.weight);
}

bool same_backends(const std::vector<config::InboundBackend>& a,
                   const std::vector<config::InboundBackend>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.address.to_string() == y.address.to_string() && x.weight == y.weight && x.priority == y.priority;
  });
}

}  // namespace

void BackendBalancer::set_domain(const std::string& domain, std::vector<config::InboundBackend> backends) {
  Group& group = domains_[domain];
  if (same_backends(group.backends, backends)) return;
  group = Group{std::move(backends), {}, std::nullopt};
}

void BackendBalancer::remove_domains_except(const std::vector<std::string>& domains) {
  std::erase_if(domains_, [&](const auto& entry) {
    return std::find(domains.begin(), domains.end(), entry.first) == domains.end();
  });
}

bool BackendBalancer::healthy(const dns::HostPort& backend, Clock::time_point now) const {
  auto it = health_.find(backend.to_string());
  return it == health_.end() || now >= it->second.down_until;
}

void BackendBalancer::failed(const dns::HostPort& backend, Clock::time_point now) {
  Health& health = health_[backend.to_string()];
  auto down = policy_.first_down;
  for (unsigned i = 0; i < health.failures && down < policy_.max_down; ++i)
    down *= 2;
  health.failures = std::min(health.failures + 1, 32u);
  health.down_until = now + std::min(down, policy_.max_down);
}

void BackendBalancer::succeeded(const dns::HostPort& backend) {
  health_.erase(backend.to_string());
}

std::vector<dns::HostPort> BackendBalancer::order(const std::string& domain, Clock::time_point now) {
  std::vector<dns::HostPort> out;
  auto found = domains_.find(domain);
  if (found == domains_.end() || found->second.backends.empty()) return out;
  Group& group = found->second;
  const auto& backends = group.backends;
  std::vector<std::size_t> up;
  for (std::size_t i = 0; i < backends.size(); ++i)
    if (healthy(backends[i].address, now)) up.push_back(i);
  if (up.empty()) {
    std::vector<std::size_t> all(backends.size());
    for (std::size_t i = 0; i < all.size(); ++i)
      all[i] = i;
    auto back_at = [&](std::size_t i) { return health_.at(backends[i].address.to_string()).down_until; };
    std::stable_sort(all.begin(), all.end(), [&](auto a, auto b) { return back_at(a) < back_at(b); });
    for (auto i : all)
      out.push_back(backends[i].address);
    return out;
  }
  unsigned first = backends[up.front()].priority;
  for (auto i : up)
    first = std::min(first, backends[i].priority);
  std::vector<std::size_t> members;
  std::vector<unsigned> weights;
  for (auto i : up)
    if (backends[i].priority == first) members.push_back(i), weights.push_back(weight_of(backends[i]));
  if (!group.turns || group.turn_members != members) {
    group.turn_members = members;
    group.turns.emplace(weights);
  }
  std::size_t pick = members[group.turns->next()];
  out.push_back(backends[pick].address);
  // Then the rest as failover: by priority, heavier first within one.
  std::stable_sort(up.begin(), up.end(), [&](auto a, auto b) {
    if (backends[a].priority != backends[b].priority) return backends[a].priority < backends[b].priority;
    return weight_of(backends[a]) > weight_of(backends[b]);
  });
  for (auto i : up)
    if (i != pick) out.push_back(backends[i].address);
  return out;
}

}  // namespace mta::queue
