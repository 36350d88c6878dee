// tag_list.hpp — RFC 6376 §3.2 tag=value lists, the syntax of DKIM-Signature fields and key records:
// "tag=value; tag=value", folding white space around tags, values and separators, an optional final ';'.
// Errors: a tag without '=', an invalid tag name, a duplicate tag (§3.2: "MUST be treated as an error").
// Untrusted input: DNS TXT data and message header values.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dkim/result.hpp"

namespace dkim {

struct Tag {
  std::string name;
  std::string value;  // surrounding white space removed; inner folding white space kept
};

Result<std::vector<Tag>> parse_tag_list(std::string_view text);

// The value of tag name in tags, or nullptr.
const std::string* find_tag(const std::vector<Tag>& tags, std::string_view name);

// value without any white space (for base64 tags like p=, b=, bh=).
std::string strip_whitespace(std::string_view value);

}  // namespace dkim
