// egress.hpp — egress IP pools: which local address, and which EHLO name, a message leaves from.
// A message's pool is the one its campaign asks for, else the most specific [[delivery.sender_pool]] rule
// for its envelope sender, else [delivery] default_pool; no pool means the OS picks the address and the
// EHLO name is [server] hostname. Within a pool, sources take turns by smooth weighted round-robin.
// Errors: none at run time — the configuration loader has checked that every name refers to something;
// an unknown requested pool falls back to the sender's pool. Untrusted input: the envelope sender.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/ip/address.hpp>

#include "mta/config/config.hpp"

namespace mta::queue {

// Smooth weighted round-robin (as nginx balances upstreams): over every run of sum(weights) picks each
// member is chosen exactly `weight` times, interleaved rather than in bursts (3:1 gives A A B A).
class SmoothWeightedRoundRobin {
 public:
  explicit SmoothWeightedRoundRobin(std::vector<unsigned> weights);
  std::size_t next();  // an index into weights; the vector must not be empty
  std::size_t size() const { return weights_.size(); }

 private:
  std::vector<std::int64_t> weights_;
  std::vector<std::int64_t> current_;
  std::int64_t total_ = 0;
};

struct EgressSource {
  std::string name;
  asio::ip::address address;
  std::string ehlo;  // the source's own, else [server] hostname
};

// Shared: a destination's ready queue keeps its source across a reload that replaces the selector.
using SourcePtr = std::shared_ptr<const EgressSource>;

// The pools part of the configuration, resolved: EngineOptions carries it.
struct EgressSettings {
  std::vector<EgressSource> sources;
  std::vector<config::EgressPool> pools;
  std::vector<config::SenderPool> sender_pools;
  std::string default_pool;
};

// From [delivery]: sources get ehlo = hostname when they name none.
EgressSettings egress_settings(const config::DeliveryConfig& delivery, const std::string& hostname);

// How well a [[delivery.sender_pool]] pattern matches an envelope sender: -1 none; an exact address beats
// its domain, which beats "*.domain" patterns, longer suffixes first. Case-insensitive throughout (local
// parts too, as Postfix's lookup tables do: senders do not vary the case of their own addresses on purpose).
int sender_match_specificity(std::string_view pattern, std::string_view sender);

class EgressSelector {
 public:
  explicit EgressSelector(const EgressSettings& settings);

  // The pool for a message: `requested` (the hook for campaigns: a campaign's pool) when it names a pool,
  // else the most specific sender rule, else default_pool. "" means no pool.
  std::string pool_for(std::string_view sender, std::string_view requested = {}) const;
  // The pool's next source; null for "" or an unknown pool. Not thread-safe: the engine calls it from its
  // one executor.
  SourcePtr next_source(const std::string& pool);
  // pool_for, then next_source.
  SourcePtr choose(std::string_view sender, std::string_view requested = {});
  // The source of that name; null when there is none.
  SourcePtr source(std::string_view name) const;

 private:
  struct Pool {
    std::vector<SourcePtr> members;
    SmoothWeightedRoundRobin turns;
  };
  std::vector<SourcePtr> sources_;
  std::map<std::string, Pool, std::less<>> pools_;
  std::vector<config::SenderPool> sender_pools_;
  std::string default_pool_;
};

}  // namespace mta::queue
