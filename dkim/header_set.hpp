// header_set.hpp — which header fields a new signature covers (RFC 6376 §5.4, §5.4.1's list, plus the
// list and feedback fields bulk mail carries) and which are over-signed: listed in h= once more than they
// occur, so that a copy added in transit breaks the signature (§8.15). Pure data.
#pragma once

#include <span>
#include <string_view>

namespace dkim {

// Signed when present (the library skips absent ones, except the over-signed, which always appear).
std::span<const char* const> signed_header_names();
// From, To and Subject: the fields a receiver shows, and those an attacker would add a second copy of.
std::span<const char* const> oversigned_header_names();

}  // namespace dkim
