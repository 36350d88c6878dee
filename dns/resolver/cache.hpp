// cache.hpp — the resolver's answer cache: (name, type) -> Response, kept for the answer's TTL, negative
// answers (NXDOMAIN, NODATA) for their RFC 2308 TTL, temporary and malformed results never. Bounded: past
// max_entries the least recently used entry goes. Not thread-safe; the resolver owns it on one executor.
// Time is passed in, so tests need no clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "dns/resolver/resolver.hpp"

namespace dns {

class ResponseCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Key = std::pair<std::string, RecordType>;  // canonical name
  static constexpr std::uint32_t kMaxTtl = 86400;

  explicit ResponseCache(std::size_t max_entries) : max_entries_(max_entries) {}

  // A copy whose TTLs count down to what remains; nothing when absent or expired.
  std::optional<Response> get(const Key& key, Clock::time_point now);
  void put(const Key& key, const Response& response, Clock::time_point now);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Response response;
    Clock::time_point stored;
    Clock::time_point expires;
    std::list<Key>::iterator recency;
  };
  std::size_t max_entries_;
  std::map<Key, Entry> entries_;
  std::list<Key> recency_;  // most recently used first
};

}  // namespace dns
