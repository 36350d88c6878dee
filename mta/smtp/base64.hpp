// base64.hpp — the SMTP side's names for RFC 4648 base64 (dns/base64.hpp) in SASL (RFC 4954).
// Untrusted input: base64_decode() sees client-sent text; it returns nothing for anything malformed.
#pragma once

#include "dns/base64.hpp"

namespace mta::smtp {

inline std::string base64_encode(std::string_view data) {
  return base64::encode(data);
}
inline std::optional<std::string> base64_decode(std::string_view text) {
  return base64::decode(text);
}

}  // namespace mta::smtp
