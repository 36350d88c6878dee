// bounce_token.hpp — matches the addresses a bounce names as the original return path against
// relayctl's authenticated VERP tokens (campaigns/tokens/verp.hpp). An address is a candidate when its
// local part is X+TOKEN and TOKEN has a token's shape (campaign.recipient.mac); the bounce domain is
// not checked here (mail reached relayctl for it). Errors: none: a token that fails its MAC is forged.
// Untrusted input: every candidate address.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "campaigns/tokens/token_secret.hpp"
#include "campaigns/tokens/verp.hpp"

namespace campaigns {

enum class BounceTokenStatus { none, forged, valid };
std::string_view to_string(BounceTokenStatus value);  // "none" | "forged" | "valid" (bounce_messages.token)

// One address: not_a_token unless local+TOKEN@domain with TOKEN shaped like a token, then check_token.
TokenCheck check_verp_candidate(const TokenSecret& secret, std::string_view address);

struct BounceToken {
  BounceTokenStatus status = BounceTokenStatus::none;
  std::optional<TokenIds> ids;  // when valid
  std::string address;          // the candidate that decided (valid, or the first forged one)
};

// The first valid candidate wins; otherwise forged when any candidate was forged; otherwise none.
BounceToken match_bounce_token(const TokenSecret& secret, std::span<const std::string> candidates);

}  // namespace campaigns
