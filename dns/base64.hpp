// base64.hpp — RFC 4648 base64, shared by every module (SASL in mta/smtp and mta/delivery, password hashes
// in mta/auth): here in the lowest layer so that none of them needs another's headers. Strict decoding:
// padding required, no whitespace. Untrusted input: decode() sees client-sent text; it returns nothing for
// anything malformed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace base64 {

std::string encode(std::string_view data);
std::optional<std::string> decode(std::string_view text);

}  // namespace base64
