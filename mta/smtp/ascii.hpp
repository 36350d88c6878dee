// ascii.hpp — the SMTP side's names for the shared ASCII helpers (dns/ascii.hpp): case-insensitive
// comparison and lower-casing of keywords, parameters, header names and addresses (RFC 5321 §2.4),
// independent of the C locale.
#pragma once

#include "dns/ascii.hpp"

namespace mta::smtp {

using ascii::iequals;
inline char ascii_lower(char c) {
  return ascii::lower(c);
}
inline std::string ascii_lowered(std::string_view text) {
  return ascii::lowered(text);
}

}  // namespace mta::smtp
