#include "dns/resolver/cache.hpp"

#include <algorithm>

namespace dns {

std::optional<Response> ResponseCache::get(const Key& key, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (now >= it->second.expires) {
    recency_.erase(it->second.recency);
    entries_.erase(it);
    return std::nullopt;
  }
  recency_.splice(recency_.begin(), recency_, it->second.recency);
  Response response = it->second.response;
  auto age = static_cast<std::uint32_t>(
      std::chrono::duration_cast<std::chrono::seconds>(now - it->second.stored).count());
  auto less = [age](std::uint32_t ttl) { return ttl > age ? ttl - age : 0; };
  response.ttl = less(response.ttl);
  for (auto& record : response.records)
    record.ttl = less(record.ttl);
  return response;
}

void ResponseCache::put(const Key& key, const Response& response, Clock::time_point now) {
  bool cacheable = response.status == Status::answer || response.status == Status::nxdomain ||
                   response.status == Status::nodata;
  if (!cacheable || response.ttl == 0 || max_entries_ == 0) return;
  if (auto it = entries_.find(key); it != entries_.end()) {
    recency_.erase(it->second.recency);
    entries_.erase(it);
  }
  while (entries_.size() >= max_entries_) {
    entries_.erase(recency_.back());
    recency_.pop_back();
  }
  recency_.push_front(key);
  auto ttl = std::chrono::seconds(std::min(response.ttl, kMaxTtl));
  entries_.emplace(key, Entry{response, now, now + ttl, recency_.begin()});
}

}  // namespace dns
