// verp.hpp — Variable Envelope Return Paths: the bounce address carries the recipient it was sent to,
// so an asynchronous bounce names the failed recipient even when its DSN does not.
//   encode("bounces", "bounce.example.com", "jane@example.org") =
//   "bounces+jane=example.org@bounce.example.com"
// decode() reverses it for mail arriving at the bounce address. Untrusted input: decode() sees addresses
// from the network; it rejects anything that is not exactly an encoding of a LOCAL@DOMAIN recipient.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace campaigns {

// The return path for a message to recipient ("local@domain"); nothing if recipient has no single '@'.
std::optional<std::string> verp_encode(std::string_view bounce_local, std::string_view bounce_domain,
                                       std::string_view recipient);

// The recipient encoded in address, if address is bounce_local+...@bounce_domain (domain compared
// without regard to case, as DNS names are).
std::optional<std::string> verp_decode(std::string_view bounce_local, std::string_view bounce_domain,
                                       std::string_view address);

}  // namespace campaigns
