// fields.hpp — the text helpers every part of the bounce parser shares: "Name: value" field sections
// (a message header, a delivery-status or feedback-report block, returned rfc822-headers) read with
// continuation lines unfolded, "type; value" stripping, address and enhanced-status finding, and capping.
// Errors: none; malformed lines are skipped and counts are bounded by the caller's limits.
// Untrusted input: all of it (any bytes; control characters are removed from kept values).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campaigns {

struct HeaderField {
  std::string name;   // as written
  std::string value;  // unfolded, trimmed, capped
};

std::string ascii_lower(std::string_view text);
std::string trim_copy(std::string_view text);
// Printable text only (tabs and line breaks become spaces, runs of spaces collapse), at most max bytes.
std::string clean_value(std::string_view text, std::size_t max);

// One field section: from the start of text to its first empty line (or the end). At most max_fields
// fields, each value capped at max_value; *consumed (when given) is the offset just past the section.
std::vector<HeaderField> read_fields(std::string_view text, std::size_t max_fields, std::size_t max_value,
                                     std::size_t* consumed = nullptr);
// Field sections separated by empty lines (RFC 3464 §2.1, RFC 5965 §3): at most max_groups.
std::vector<std::vector<HeaderField>> read_field_groups(std::string_view text, std::size_t max_groups,
                                                        std::size_t max_fields, std::size_t max_value);

// The first field of that name (case ignored), or nullptr.
const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name);
std::string field_value(const std::vector<HeaderField>& fields, std::string_view name);

// "rfc822; a@b" -> "a@b", "smtp; 550 ..." -> "550 ...", "dns; mx.example" -> "mx.example"; a value
// without a type is returned trimmed.
std::string strip_type(std::string_view value);
// "<a@b>" -> "a@b"; also drops a trailing comment or text after the address.
std::string bare_address(std::string_view value);

// Addresses (local@domain.tld) in text, in order, without repeats (case ignored), at most max.
std::vector<std::string> find_addresses(std::string_view text, std::size_t max);
// The first RFC 3463 enhanced status code (2.x.x, 4.x.x or 5.x.x) in text, or "".
std::string find_enhanced_status(std::string_view text);
// Whether text holds an SMTP reply code (a 4xx or 5xx number standing alone).
bool has_reply_code(std::string_view text);

}  // namespace campaigns
