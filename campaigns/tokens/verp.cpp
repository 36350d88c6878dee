#include "campaigns/tokens/verp.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "dns/name.hpp"

namespace campaigns {
namespace {

constexpr std::string_view kBase32 = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::string_view kMacContext = "relayctl-token-v1";

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool is_valid_id(std::string_view text, std::size_t max) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return !text.empty() && text.size() <= max && alnum(text.front()) &&
         std::all_of(text.begin(), text.end(), [&](char c) { return alnum(c) || c == '-' || c == '_'; });
}

bool is_bounce_local_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

std::string mac(const TokenSecret& secret, const CampaignId& campaign, const RecipientId& recipient) {
  std::string message(kMacContext);
  message += '\0';
  message += campaign.str();
  message += '\0';
  message += recipient.str();
  unsigned char digest[EVP_MAX_MD_SIZE];
  std::size_t length = 0;
  auto key = secret.bytes();
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                 reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
                 sizeof digest, &length) ||
      length < 8)
    throw std::runtime_error("HMAC-SHA256 is not available from OpenSSL");
  std::uint64_t bits = 0;
  for (int i = 0; i < 8; ++i)
    bits = bits << 8 | digest[i];
  std::string out(kTokenMacLength, 'a');
  for (std::size_t i = 0; i < kTokenMacLength; ++i)
    out[i] = kBase32[(bits >> (64 - 5 * (i + 1))) & 31];
  return out;
}

TokenCheck forged() {
  return {TokenStatus::forged, std::nullopt};
}

}  // namespace

std::optional<CampaignId> CampaignId::parse(std::string_view text) {
  if (!is_valid_id(text, kMaxCampaignId)) return std::nullopt;
  return CampaignId(std::string(text));
}

std::optional<RecipientId> RecipientId::parse(std::string_view text) {
  if (!is_valid_id(text, kMaxRecipientId)) return std::nullopt;
  return RecipientId(std::string(text));
}

std::optional<BounceAddress> BounceAddress::parse(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (local.empty() || local.size() > kMaxBounceLocal || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos ||
      !std::all_of(local.begin(), local.end(), is_bounce_local_char) || !dns::is_valid_hostname(domain))
    return std::nullopt;
  return BounceAddress{std::string(local), dns::canonical_name(domain)};
}

std::string make_token(const TokenSecret& secret, const CampaignId& campaign, const RecipientId& recipient) {
  return campaign.str() + "." + recipient.str() + "." + mac(secret, campaign, recipient);
}

std::string verp_address(const TokenSecret& secret, const BounceAddress& bounce, const CampaignId& campaign,
                         const RecipientId& recipient) {
  return verp_address(bounce, make_token(secret, campaign, recipient));
}

std::string verp_address(const BounceAddress& bounce, std::string_view token) {
  return bounce.local + "+" + std::string(token) + "@" + bounce.domain;
}

TokenCheck check_token(const TokenSecret& secret, std::string_view token) {
  if (token.size() > kMaxCampaignId + kMaxRecipientId + kTokenMacLength + 2) return forged();
  std::string text(token);
  std::transform(text.begin(), text.end(), text.begin(), lower);
  auto first = text.find('.');
  auto second = first == std::string::npos ? first : text.find('.', first + 1);
  if (second == std::string::npos) return forged();
  auto campaign = CampaignId::parse(std::string_view(text).substr(0, first));
  auto recipient = RecipientId::parse(std::string_view(text).substr(first + 1, second - first - 1));
  std::string_view given = std::string_view(text).substr(second + 1);
  if (!campaign || !recipient || given.size() != kTokenMacLength ||
      given.find_first_not_of(kBase32) != std::string_view::npos)
    return forged();
  std::string expected = mac(secret, *campaign, *recipient);
  if (CRYPTO_memcmp(expected.data(), given.data(), kTokenMacLength) != 0) return forged();
  return {TokenStatus::valid, TokenIds{std::move(*campaign), std::move(*recipient)}};
}

TokenCheck decode_verp(const TokenSecret& secret, const BounceAddress& bounce, std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos || dns::canonical_name(address.substr(at + 1)) != bounce.domain)
    return {TokenStatus::not_a_token, std::nullopt};
  std::string_view local = address.substr(0, at);
  if (local.size() <= bounce.local.size() + 1 || local[bounce.local.size()] != '+' ||
      !iequals(local.substr(0, bounce.local.size()), bounce.local))
    return {TokenStatus::not_a_token, std::nullopt};
  return check_token(secret, local.substr(bounce.local.size() + 1));
}

}  // namespace campaigns
