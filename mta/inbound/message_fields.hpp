// message_fields.hpp — the header-field edits the inbound chain makes to a message before it is stored
// (docs/inbound.md): walk the header section's fields (folded lines included), remove the fields a
// predicate picks, insert our fields after the first one (our own Received, which the session prepends),
// and drop the Received fields of earlier hops (a domain's strip_received).
// The message is CRLF text as the session stored it; the header section ends at the first empty line (or at
// the end of a message without a body). Untrusted input: the message; malformed lines (no colon) are kept
// as they are, never dropped, and never end the walk early.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mta::inbound {

struct HeaderField {
  std::string_view name;  // as written, without the colon
  std::size_t begin = 0;  // offset of the field's first byte in the message
  std::size_t end = 0;    // offset just past its last CRLF (continuation lines included)
};

// Every field of the header section, in order.
std::vector<HeaderField> header_fields(std::string_view message);

// The message without the fields remove() picks.
std::string remove_fields(std::string_view message, const std::function<bool(const HeaderField&)>& remove);

// fields ("Name: value\r\n"...) inserted after the message's first Received field (ours: the session prepends
// it); at the start when it has none.
void insert_after_first_received(std::string& message, std::string_view fields);

// The message with every Received field but the first (ours) removed.
std::string strip_earlier_received(std::string_view message);

}  // namespace mta::inbound
