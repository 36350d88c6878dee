// utf8.hpp — well-formed UTF-8 as RFC 3629 defines it (no overlong forms, no UTF-16 surrogates, nothing
// beyond U+10FFFF), for what a campaign reads from files: recipients' cells, templates, addresses (RFC
// 6531 local parts). No errors: answers only. Untrusted input: any bytes.
#pragma once

#include <cstddef>
#include <string_view>

namespace campaigns {

// The length of the well-formed multi-octet sequence (2-4 octets) starting at text[at], or 0.
std::size_t utf8_sequence(std::string_view text, std::size_t at);

// The offset of the first octet that is not part of well-formed UTF-8 (ASCII included), or npos.
std::size_t invalid_utf8_at(std::string_view text);

}  // namespace campaigns
