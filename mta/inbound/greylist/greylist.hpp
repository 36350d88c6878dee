// greylist.hpp — greylisting of inbound mail (docs/inbound.md), state in the [inbound] database so it
// survives restarts. A triplet is (client network: /24 of an IPv4 address, /64 of an IPv6 one, an
// IPv4-mapped IPv6 address counting as IPv4; sender, lower-cased, the null sender as ""; recipient,
// lower-cased). Its first attempt is deferred for `delay`; a retry after the delay and within
// `retry_window` of the first attempt passes, and the triplet then passes at once until `remember` after
// its last use. A client network with `auto_whitelist_after` passed triplets is whitelisted for `remember`
// after its last use; whitelist_networks and whitelist_senders are never greylisted. Expired rows are
// purged every kPurgeInterval (by the injected clock), so the tables hold only live triplets.
// Errors: a database failure lets the mail pass (greylisting is a filter, not a security check), logged
// and counted in counters().errors. Threads: check() may be called from any thread (calls serialized by a
// mutex; each is one short SQLite transaction). Untrusted input: the sender and recipient (SMTP
// arguments, bounded by the SMTP line limit), bound as SQL parameters only.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "mta/config/inbound.hpp"
#include "mta/store/database.hpp"

namespace mta::inbound {

struct GreylistVerdict {
  enum class Kind { pass, defer, whitelisted } kind = Kind::pass;
  std::chrono::seconds retry_after{0};  // defer: how long until a retry passes
};

struct GreylistCounters {
  std::atomic<std::uint64_t> deferred{0};
  std::atomic<std::uint64_t> passed{0};
  std::atomic<std::uint64_t> whitelisted{0};  // configured or automatic
  std::atomic<std::uint64_t> errors{0};       // database failures (each let the mail pass)
};

inline constexpr std::chrono::seconds kPurgeInterval{10 * 60};

// The client network of a triplet: "192.0.2.0/24", "2001:db8:1:2::/64"; an unparsable text as it is.
std::string greylist_network(std::string_view client_ip);

class Greylist {
 public:
  using Clock = std::function<std::int64_t()>;  // unix seconds
  static std::int64_t system_clock();

  // Takes a connection of its own to the inbound database (open_inbound_database()); config is copied.
  Greylist(std::unique_ptr<store::Database> database, const config::GreylistConfig& config,
           Clock clock = system_clock);

  GreylistVerdict check(std::string_view client_ip, std::string_view sender, std::string_view recipient);

  // Deletes the expired triplets and automatic whitelist entries (check() does it every kPurgeInterval).
  // Throws store::StoreError.
  void purge();

  const GreylistCounters& counters() const { return counters_; }

 private:
  bool configured_whitelist(std::string_view client_ip, std::string_view sender) const;
  GreylistVerdict check_triplet(const std::string& network, const std::string& sender,
                                const std::string& recipient, std::int64_t now);
  void purge_locked(std::int64_t now);

  std::unique_ptr<store::Database> database_;
  config::GreylistConfig config_;
  Clock clock_;
  std::mutex mutex_;
  std::optional<std::int64_t> last_purge_;
  GreylistCounters counters_;
};

}  // namespace mta::inbound
