// message.hpp — an RFC 5322 message split into header fields and body for signing and verification:
// LF or CRLF input, every line ending made CRLF (RFC 6376 §5.3), folded fields kept as one field.
// Errors: a clear Result error for a header line without a colon, a continuation line before any field,
// a field name with spaces or controls, and input past MessageLimits. Untrusted input: the whole message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dkim/result.hpp"

namespace dkim {

struct MessageLimits {
  std::size_t max_message_bytes = 64 * 1024 * 1024;
  std::size_t max_header_bytes = 1024 * 1024;  // the whole header section
  std::size_t max_field_bytes = 64 * 1024;     // one field with its continuation lines
  std::size_t max_fields = 1000;
};

struct HeaderField {
  std::string name;                // as written (compare case-insensitively)
  std::string text;                // "Name: value" with CRLF inside folded lines, no final CRLF
  std::string_view value() const;  // after the colon
};

struct Message {
  std::vector<HeaderField> headers;
  std::string body;        // CRLF line endings
  bool crlf_input = true;  // the first line ended in CRLF (output keeps the input's convention)

  std::vector<const HeaderField*> fields(std::string_view name) const;  // case-insensitive
};

Result<Message> parse_message(std::string_view input, const MessageLimits& limits = {});

// The domain of the RFC 5322.From address, lower-cased: exactly one From field, whose addresses all share
// one domain that is a valid host name.
Result<std::string> from_domain(const Message& message);

bool iequals(std::string_view a, std::string_view b);

}  // namespace dkim
