// queue_id.hpp — the typed identifier of a spooled message: 16 upper-case hex digits of a 64-bit number
// that grows with time (microseconds since the epoch at the first id, then +1 per message), so ids sort
// by arrival and never repeat across restarts (the spool starts above the largest id it recovers).
// Untrusted input: parse() is the one place a user-typed id (`relayctl queue show ID`) becomes a QueueId.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mta::spool {

class QueueId {
 public:
  QueueId() = default;
  explicit QueueId(std::uint64_t value) : value_(value) {}

  static std::optional<QueueId> parse(std::string_view text);
  std::string to_string() const;
  std::uint64_t value() const { return value_; }

  friend auto operator<=>(const QueueId&, const QueueId&) = default;

 private:
  std::uint64_t value_ = 0;
};

}  // namespace mta::spool

template <>
struct std::hash<mta::spool::QueueId> {
  std::size_t operator()(const mta::spool::QueueId& id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value());
  }
};
