// recipient_status.hpp — what a recipient source says of an address at a relay domain (docs/inbound.md):
// the list (recipients/recipient_list.hpp) or a live probe of the backend (recipients/recipient_probe.hpp).
// The RCPT stage (mta/server) turns it into a reply: valid → 250, unknown → 550 5.1.1, unavailable → 451
// 4.4.3 (never a wrong 550 because a backend or the database is down).
#pragma once

#include <string_view>

namespace mta::inbound {

enum class RecipientStatus { valid, unknown, unavailable };

constexpr std::string_view to_string(RecipientStatus status) {
  switch (status) {
    case RecipientStatus::valid: return "valid";
    case RecipientStatus::unknown: return "unknown";
    case RecipientStatus::unavailable: return "unavailable";
  }
  return "unavailable";
}

}  // namespace mta::inbound
