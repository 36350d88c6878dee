// ascii.hpp — the one case-insensitive comparison and lower-casing every module uses (DNS names, SPF and
// DMARC tags, SMTP keywords, header names, addresses): ASCII only, independent of the C locale; bytes of
// UTF-8 text are left as they are. Here, in the lowest layer (relay_dns), so that dns/, dkim/, mta/ and
// campaigns/ can all share it. Pure functions: no errors, any input.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace ascii {

inline char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return lower(c); });
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace ascii
