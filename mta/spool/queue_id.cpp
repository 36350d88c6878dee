#include "mta/spool/queue_id.hpp"

namespace mta::spool {

std::optional<QueueId> QueueId::parse(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else
      return std::nullopt;
    value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  if (value == 0) return std::nullopt;
  return QueueId(value);
}

std::string QueueId::to_string() const {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i)
    out[static_cast<std::size_t>(i)] = kHex[(value_ >> (4 * (15 - i))) & 0xF];
  return out;
}

}  // namespace mta::spool
