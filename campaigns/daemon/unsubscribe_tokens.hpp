// unsubscribe_tokens.hpp — what the one-click unsubscribe endpoint (campaigns/web/) asks of the campaigns
// database: who a token names, and to suppress them. CampaignDirectory implements it; tests use a fake.
// Errors: outcomes, never exceptions (failed: the database could not answer). Untrusted input: the token
// (any bytes from a URL), checked with verp.hpp's check_token before anything is looked up.
#pragma once

#include <string>
#include <string_view>

namespace campaigns {

enum class TokenLookup { valid, bad_token, unknown_recipient, failed };

struct TokenRecipient {
  TokenLookup status = TokenLookup::bad_token;
  std::string campaign;  // when valid
  std::string address;   // when valid: the address the recipient row holds
};

enum class UnsubscribeOutcome { unsubscribed, already_unsubscribed, bad_token, unknown_recipient, failed };

class UnsubscribeTokens {
 public:
  virtual ~UnsubscribeTokens() = default;
  virtual TokenRecipient find(std::string_view token) = 0;
  // Suppresses the address the token names (reason unsubscribe); idempotent.
  virtual UnsubscribeOutcome unsubscribe(std::string_view token) = 0;
};

}  // namespace campaigns
