// ascii.hpp — case-insensitive comparison and lower-casing of SMTP keywords, parameters, header names and
// addresses: ASCII only (RFC 5321 §2.4: verbs, extension names and parameters are case-insensitive),
// independent of the C locale; bytes of UTF-8 text are left as they are.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace mta::smtp {

inline char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string ascii_lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace mta::smtp
