// network_resolver.hpp — the stub resolver: asks recursive nameservers over UDP (EDNS0, 1232 octets) and
// retries over TCP when an answer is truncated. Each query gets a random ID and a fresh socket (a random
// source port); replies are accepted only from the server asked, with our ID and question; anything else,
// and anything ldns cannot parse, is dropped while we keep waiting until the per-server timeout.
// Servers are tried in order, `attempts` rounds; then the query is temporary (or malformed when the only
// replies were unusable). Answers are cached (TTL, RFC 2308 negative caching, bounded); identical queries
// in flight share one exchange. Use a resolver from one thread (its executor's); it never blocks it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/ip/udp.hpp>

#include "dns/resolver/cache.hpp"
#include "dns/resolver/resolver.hpp"

namespace dns {

struct NetworkResolverOptions {
  std::vector<asio::ip::udp::endpoint> servers;  // empty: system_nameservers()
  std::chrono::milliseconds timeout{5000};       // per server and attempt
  unsigned attempts = 2;                         // rounds over all servers
  std::size_t cache_entries = 10000;             // 0 disables the cache
};

class NetworkResolver : public Resolver {
 public:
  NetworkResolver(asio::any_io_executor executor, NetworkResolverOptions options);
  ~NetworkResolver() override;

  asio::awaitable<Response> query(std::string name, RecordType type) override;
  // New servers, timeout and attempts (a reload) for the queries asked from now on; queries in flight
  // finish with the old ones. The cache is emptied: its answers came from the old servers. Call it on
  // the resolver's executor.
  void set_options(NetworkResolverOptions options);

  // Exchanges on the network so far (cache hits and coalesced queries excluded); for tests and stats.
  std::size_t exchanges() const { return exchanges_; }
  const NetworkResolverOptions& options() const { return options_; }

 private:
  struct Pending;
  asio::awaitable<Response> resolve(const std::string& name, RecordType type);

  asio::any_io_executor executor_;
  NetworkResolverOptions options_;
  ResponseCache cache_;
  std::map<ResponseCache::Key, std::shared_ptr<Pending>> in_flight_;
  std::size_t exchanges_ = 0;
};

}  // namespace dns
