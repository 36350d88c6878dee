// ascii.hpp — case-insensitive comparison of SMTP keywords, parameters and domains: ASCII only (RFC 5321
// §2.4: verbs, extension names and parameters are case-insensitive), independent of the C locale.
#pragma once

#include <algorithm>
#include <string_view>

namespace mta::smtp {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace mta::smtp
