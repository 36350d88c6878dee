// org_domain.hpp — the Organizational Domain of RFC 7489 §3.2 (the registrable domain under the Public
// Suffix List, from Debian's libpsl and publicsuffix data) and identifier alignment (§3.1).
// Pure lookups in the list; no DNS. Untrusted input: domain names from messages and DNS.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dns {

enum class Alignment { relaxed, strict };

// "mail.example.co.uk" -> "example.co.uk". A name that is itself a public suffix ("co.uk") has none.
std::optional<std::string> organizational_domain(std::string_view domain);

// Strict: the same name. Relaxed: the same organizational domain. Case and a trailing dot never matter.
bool aligned(std::string_view domain, std::string_view from_domain, Alignment mode);

}  // namespace dns
