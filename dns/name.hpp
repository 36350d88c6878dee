// name.hpp — syntax of domain names as mail uses them (RFC 1035 §2.3.4, RFC 5321 §4.1.2, RFC 1123 §2.1).
// Pure functions, no DNS traffic. Untrusted input: any string (config values, SMTP arguments, DNS data).
#pragma once

#include <string>
#include <string_view>

namespace dns {

// A host name: LDH labels of 1-63 octets, 253 octets in all without the trailing dot (which is allowed),
// no label starting or ending with '-'. Digits-only labels are allowed (RFC 1123), but not an all-numeric
// name, which would be confused with an IPv4 address.
bool is_valid_hostname(std::string_view name);

// Lower-cases ASCII and drops one trailing dot: the form names are compared and cached in.
std::string canonical_name(std::string_view name);

}  // namespace dns
