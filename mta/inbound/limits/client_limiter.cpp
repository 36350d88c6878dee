#include "mta/inbound/limits/client_limiter.hpp"

#include <algorithm>
#include <string_view>

#include "dns/ip_network.hpp"

namespace mta::inbound {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using namespace std::chrono_literals;

// The time `units` take at `per_second`, saturated far beyond any wait that matters.
nanoseconds cost(double units, double per_second) {
  double ns = units * 1e9 / per_second;
  return nanoseconds(static_cast<std::int64_t>(std::min(ns, 1e15)));
}

}  // namespace

std::string_view to_string(ClientRefusal refusal) {
  switch (refusal) {
    case ClientRefusal::none:
      return "none";
    case ClientRefusal::too_many_connections:
      return "too_many_connections";
    case ClientRefusal::connection_rate:
      return "connection_rate";
    case ClientRefusal::message_rate:
      return "message_rate";
    case ClientRefusal::byte_rate:
      return "byte_rate";
  }
  return "none";
}

ClientLimiter::ClientLimiter(config::ClientLimits limits, Clock clock)
    : clock_(std::move(clock)), limits_(std::move(limits)) {}

std::size_t ClientLimiter::KeyHash::operator()(const Key& key) const {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char b : key.bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h);
}

ClientLimiter::Key ClientLimiter::key_of(const asio::ip::address& client) {
  Key key;
  auto address = dns::unmap_v4(client);
  if (address.is_v4()) {
    auto bytes = address.to_v4().to_bytes();
    key.bytes[0] = 4;
    std::copy(bytes.begin(), bytes.end(), key.bytes.begin() + 1);
  } else {
    auto bytes = address.to_v6().to_bytes();
    key.bytes[0] = 6;
    std::copy(bytes.begin(), bytes.begin() + 8, key.bytes.begin() + 1);  // the /64
  }
  return key;
}

bool ClientLimiter::exempt(const asio::ip::address& client) const {
  return std::any_of(limits_.exempt.begin(), limits_.exempt.end(),
                     [&](const dns::IpNetwork& network) { return network.contains(client); });
}

ClientLimiter::Entry* ClientLimiter::find(const Key& key) {
  auto it = table_.find(key);
  return it == table_.end() ? nullptr : &it->second;
}

std::size_t ClientLimiter::bound() const {
  return std::max<std::size_t>(limits_.max_tracked_clients, 1);
}

ClientLimiter::Entry& ClientLimiter::entry(const Key& key) {
  if (auto* known = find(key)) return *known;
  // Room for one more; when every client in the table has connections open, the table grows past the
  // bound by at most the server's own connection limit.
  evict_to(bound() - 1);
  auto [it, inserted] = table_.try_emplace(key);
  make_idle(it->first, it->second);
  return it->second;
}

void ClientLimiter::make_idle(const Key& key, Entry& e) {
  if (e.idle_listed) idle_.erase(e.idle_position);
  e.idle_position = idle_.insert(idle_.end(), key);
  e.idle_listed = true;
}

void ClientLimiter::make_busy(Entry& e) {
  if (!e.idle_listed) return;
  idle_.erase(e.idle_position);
  e.idle_listed = false;
}

void ClientLimiter::evict_to(std::size_t bound) {
  while (table_.size() > bound && !idle_.empty()) {
    table_.erase(idle_.front());
    idle_.pop_front();
    ++evicted_;
  }
}

bool ClientLimiter::take(TimePoint& tat, unsigned per_minute, TimePoint now) {
  if (per_minute == 0) return true;
  nanoseconds interval = nanoseconds(60s) / per_minute;
  TimePoint next = std::max(tat, now) + interval;
  if (next - now > interval * per_minute) return false;
  tat = next;
  return true;
}

bool ClientLimiter::over_budget(Entry& e, TimePoint now) {
  if (!e.throttled_since) return false;
  if (std::max(e.bytes_tat, now) - now <= nanoseconds(1s) / 2) {  // half full again: the stretch is over
    e.throttled_since.reset();
    return false;
  }
  return now - *e.throttled_since >= kSustainedOverBudget;
}

ClientRefusal ClientLimiter::refuse(ClientRefusal kind) {
  refusals_[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
  return kind;
}

ClientRefusal ClientLimiter::connect(const asio::ip::address& client) {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  Key key = key_of(client);
  Entry& e = entry(key);
  if (!exempt(client)) {
    if (limits_.max_connections > 0 && e.connections >= limits_.max_connections) {
      if (e.idle_listed) make_idle(key, e);  // seen now
      return refuse(ClientRefusal::too_many_connections);
    }
    if (!take(e.connections_tat, limits_.connections_per_minute, now)) {
      if (e.idle_listed) make_idle(key, e);
      return refuse(ClientRefusal::connection_rate);
    }
  }
  if (e.connections++ == 0) {
    make_busy(e);
    ++connected_;
  }
  ++admitted_;
  return ClientRefusal::none;
}

void ClientLimiter::disconnect(const asio::ip::address& client) {
  std::lock_guard lock(mutex_);
  Key key = key_of(client);
  Entry* e = find(key);
  if (!e || e->connections == 0) return;
  if (--e->connections == 0) {
    make_idle(key, *e);
    --connected_;
  }
}

ClientRefusal ClientLimiter::message(const asio::ip::address& client) {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  if (exempt(client)) return ClientRefusal::none;
  Key key = key_of(client);
  Entry& e = entry(key);
  if (limits_.bytes_per_second > 0 && over_budget(e, now)) return refuse(ClientRefusal::byte_rate);
  if (!take(e.messages_tat, limits_.messages_per_minute, now)) return refuse(ClientRefusal::message_rate);
  return ClientRefusal::none;
}

milliseconds ClientLimiter::read(const asio::ip::address& client, std::size_t bytes) {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  if (limits_.bytes_per_second == 0 || exempt(client)) return milliseconds(0);
  Key key = key_of(client);
  Entry& e = entry(key);
  over_budget(e, now);  // ends the throttled stretch if the bucket has filled up again
  e.bytes_tat = std::max(e.bytes_tat, now) +
                cost(static_cast<double>(bytes), static_cast<double>(limits_.bytes_per_second));
  nanoseconds debt = e.bytes_tat - now - nanoseconds(1s);  // beyond the burst of one second
  if (debt <= nanoseconds(0)) return milliseconds(0);
  if (!e.throttled_since) e.throttled_since = now;
  auto wait = duration_cast<milliseconds>(debt + milliseconds(1) - nanoseconds(1));  // rounded up
  ++throttled_reads_;
  throttled_ms_ += static_cast<std::uint64_t>(wait.count());
  return wait;
}

bool ClientLimiter::over_byte_budget(const asio::ip::address& client) {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  if (limits_.bytes_per_second == 0 || exempt(client)) return false;
  Entry* e = find(key_of(client));
  return e && over_budget(*e, now);
}

void ClientLimiter::apply(config::ClientLimits limits) {
  std::lock_guard lock(mutex_);
  limits_ = std::move(limits);
  evict_to(bound());
}

ClientLimiter::Stats ClientLimiter::stats() const {
  std::lock_guard lock(mutex_);
  return Stats{table_.size(), connected_, admitted_, evicted_, throttled_reads_, throttled_ms_};
}

std::uint64_t ClientLimiter::refusals(ClientRefusal kind) const {
  if (kind == ClientRefusal::none) return 0;
  return refusals_[static_cast<std::size_t>(kind)].load(std::memory_order_relaxed);
}

}  // namespace mta::inbound
