// verp.hpp — authenticated VERP tokens: a campaign message's return path names its campaign and
// recipient, signed so that nobody without the secret can make or alter one:
//   <bounce-local>+<campaign>.<recipient>.<mac>@<bounce-domain>
//   bounces+spring-24.4711.q3v7mxk2a9cd@bounce.example.com
// mac: the first 60 bits of HMAC-SHA256(secret, "relayctl-token-v1" NUL campaign NUL recipient), as 12
// characters of lower-case RFC 4648 base32. The token alone (campaign.recipient.mac) signs unsubscribe
// URLs. Errors: decoding gives not_a_token, forged or valid, never an exception. Untrusted input: every
// address and token decoded (any bytes; MACs compared in constant time).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "campaigns/tokens/token_secret.hpp"

namespace campaigns {

// Lengths that keep the longest return path within RFC 5321's 64-octet local part: 16+1+20+1+13+1+12.
inline constexpr std::size_t kMaxBounceLocal = 16;
inline constexpr std::size_t kMaxCampaignId = 20;
inline constexpr std::size_t kMaxRecipientId = 13;  // a 64-bit number in base 36, or 13 decimal digits
inline constexpr std::size_t kTokenMacLength = 12;

// Campaign and recipient ids: lower-case letters, digits, '-' and '_', starting with a letter or digit
// (never '.' or '+', which separate a token's parts). Lower case only, so a token survives a mail system
// that changes the case of local parts.
class CampaignId {
 public:
  static std::optional<CampaignId> parse(std::string_view text);
  const std::string& str() const { return id_; }
  friend bool operator==(const CampaignId&, const CampaignId&) = default;

 private:
  explicit CampaignId(std::string id) : id_(std::move(id)) {}
  std::string id_;
};

class RecipientId {
 public:
  static std::optional<RecipientId> parse(std::string_view text);
  const std::string& str() const { return id_; }
  friend bool operator==(const RecipientId&, const RecipientId&) = default;

 private:
  explicit RecipientId(std::string id) : id_(std::move(id)) {}
  std::string id_;
};

// The bounce address tokens are added to: a local part of 1-16 ASCII dot-atom characters without '+',
// compared without regard to case, and a host name (canonical form).
struct BounceAddress {
  std::string local;
  std::string domain;
  static std::optional<BounceAddress> parse(std::string_view address);  // "bounces@bounce.example.com"
};

// "campaign.recipient.mac": the identity and its signature, for return paths and unsubscribe URLs.
std::string make_token(const TokenSecret& secret, const CampaignId& campaign, const RecipientId& recipient);
// bounce-local+TOKEN@bounce-domain
std::string verp_address(const TokenSecret& secret, const BounceAddress& bounce, const CampaignId& campaign,
                         const RecipientId& recipient);
// The same for a token already made (make_token), so a caller that needs it twice computes one MAC.
std::string verp_address(const BounceAddress& bounce, std::string_view token);

enum class TokenStatus {
  not_a_token,  // not an address of the form bounce-local+...@bounce-domain
  forged,       // it claims to be a token (or sits where one must be) but is not one we made
  valid,
};

struct TokenIds {
  CampaignId campaign;
  RecipientId recipient;
};

struct TokenCheck {
  TokenStatus status = TokenStatus::not_a_token;
  std::optional<TokenIds> ids;  // set only when valid
};

// A token as make_token gives it (letter case ignored): valid, or forged for anything else.
TokenCheck check_token(const TokenSecret& secret, std::string_view token);
// A return path (or any recipient at the bounce domain): not_a_token unless it is bounce-local+X@domain
// (domain and bounce-local compared without regard to case), then check_token(X).
TokenCheck decode_verp(const TokenSecret& secret, const BounceAddress& bounce, std::string_view address);

}  // namespace campaigns
