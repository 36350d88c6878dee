// client_limiter.hpp — per-client limits of the inbound listeners ([inbound.limits], docs/inbound.md):
// connections at once, connections and messages per minute, and bytes per second read, per client.
// A client is an IPv4 address or an IPv6 /64 (one host usually owns a whole /64, so counting single IPv6
// addresses would let it dodge every limit); IPv4-mapped IPv6 addresses count as their IPv4 address.
// Thread-safe (one mutex; every call is O(1)); in memory only, bounded by max_tracked_clients (the least
// recently seen client without open connections is forgotten first; one with open connections never is;
// max_tracked_clients = 0 counts as 1).
// Untrusted input: client addresses only. Never throws on input; refusals are values.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include <asio/ip/address.hpp>

#include "mta/config/inbound.hpp"

namespace mta::inbound {

// What a refusal means; the server turns it into the reply (the texts are its own).
enum class ClientRefusal {
  none,
  too_many_connections,  // connect: max_connections already open from this client; 421 4.7.0 and close
  connection_rate,       // connect: over connections_per_minute; 421 4.7.0 and close
  message_rate,          // MAIL FROM: over messages_per_minute; 451 4.7.1, the session goes on
  byte_rate,             // MAIL FROM (or end of DATA): over bytes_per_second for a minute; 451 4.7.1
};
inline constexpr std::size_t kClientRefusalKinds = 5;
std::string_view to_string(ClientRefusal refusal);  // "too_many_connections": a stable metrics label

// Rates are token buckets (equivalently GCRA): connections_per_minute = N lets an idle client open N at
// once, then one every 60/N seconds; messages_per_minute alike. bytes_per_second = B: B bytes at once (a
// burst of one second), then B per second, shared by all of the client's connections. A bucket starts
// full; refused attempts take nothing from it.
class ClientLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // Throttled this long without a break, a client is over its byte budget (over_byte_budget()).
  static constexpr std::chrono::seconds kSustainedOverBudget{60};

  explicit ClientLimiter(config::ClientLimits limits, Clock clock = &std::chrono::steady_clock::now);
  ClientLimiter(const ClientLimiter&) = delete;
  ClientLimiter& operator=(const ClientLimiter&) = delete;

  // A new connection: none when it is admitted, and then it counts (at once, and in the rate) until the
  // matching disconnect(). Exempt clients are counted too (so disconnect() stays right across apply()),
  // never refused.
  ClientRefusal connect(const asio::ip::address& client);
  // Once for every admitted connect(); extra calls are ignored.
  void disconnect(const asio::ip::address& client);
  // MAIL FROM: byte_rate while over_byte_budget(), else message_rate over messages_per_minute; none
  // counts the message.
  ClientRefusal message(const asio::ip::address& client);
  // `bytes` were just read from the client: how long to wait before reading from it again (zero within
  // its budget). The bucket may go into debt by one read; the wait pays it back.
  std::chrono::milliseconds read(const asio::ip::address& client, std::size_t bytes);
  // True when the client has been throttled without a break for kSustainedOverBudget: a break is a moment
  // at which its byte bucket is at least half full again (it sent below its rate for a while). A query:
  // it counts nothing (message() counts the byte_rate refusals it makes).
  bool over_byte_budget(const asio::ip::address& client);

  // New limits (SIGHUP): they apply at once to every client; open connections stay counted, buckets are
  // cut to the new sizes, and the table to the new max_tracked_clients.
  void apply(config::ClientLimits limits);

  struct Stats {
    std::size_t tracked = 0;            // clients in the table
    std::size_t connected = 0;          // ... of which have connections open
    std::uint64_t admitted = 0;         // connections admitted
    std::uint64_t evicted = 0;          // clients forgotten to keep the table within max_tracked_clients
    std::uint64_t throttled_reads = 0;  // reads followed by a wait
    std::uint64_t throttled_ms = 0;     // the waits, summed
  };
  Stats stats() const;
  // Refusals of this kind so far, for /metrics (none: 0).
  std::uint64_t refusals(ClientRefusal kind) const;

 private:
  // IPv4: family 4 and the 4 bytes; IPv6: family 6 and the /64 prefix.
  struct Key {
    std::array<unsigned char, 9> bytes{};
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const;
  };
  using TimePoint = std::chrono::steady_clock::time_point;
  // Each bucket is its GCRA theoretical arrival time: when the bucket will be full again.
  struct Entry {
    unsigned connections = 0;
    TimePoint connections_tat = TimePoint::min();
    TimePoint messages_tat = TimePoint::min();
    TimePoint bytes_tat = TimePoint::min();
    std::optional<TimePoint> throttled_since;  // start of the current throttled stretch
    bool idle_listed = false;                  // in idle_ (connections == 0)
    std::list<Key>::iterator idle_position;
  };
  using Table = std::unordered_map<Key, Entry, KeyHash>;

  static Key key_of(const asio::ip::address& client);
  bool exempt(const asio::ip::address& client) const;
  std::size_t bound() const;
  Entry& entry(const Key& key);
  Entry* find(const Key& key);
  void make_idle(const Key& key, Entry& e);
  void make_busy(Entry& e);
  void evict_to(std::size_t bound);
  static bool take(TimePoint& tat, unsigned per_minute, TimePoint now);
  bool over_budget(Entry& e, TimePoint now);
  ClientRefusal refuse(ClientRefusal kind);

  Clock clock_;
  mutable std::mutex mutex_;
  config::ClientLimits limits_;
  Table table_;
  std::list<Key> idle_;  // clients without open connections, least recently seen first
  std::size_t connected_ = 0;
  std::uint64_t admitted_ = 0;
  std::uint64_t evicted_ = 0;
  std::uint64_t throttled_reads_ = 0;
  std::uint64_t throttled_ms_ = 0;
  std::array<std::atomic<std::uint64_t>, kClientRefusalKinds> refusals_{};
};

}  // namespace mta::inbound
