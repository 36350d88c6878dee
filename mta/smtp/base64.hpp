// base64.hpp — RFC 4648 base64 for SASL (RFC 4954): strict decoding (padding required, no whitespace).
// Untrusted input: decode() sees client-sent text; it returns nothing for anything malformed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mta::smtp {

std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mta::smtp
