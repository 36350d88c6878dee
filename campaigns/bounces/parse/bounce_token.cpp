// bounce_token.cpp — VERP candidates checked against the token secret; see bounce_token.hpp.
#include "campaigns/bounces/parse/bounce_token.hpp"

#include <algorithm>

#include "campaigns/bounces/parse/fields.hpp"

namespace campaigns {
namespace {

constexpr std::size_t kMaxCandidate = 320;  // RFC 5321: 64-octet local part, 255-octet domain

}  // namespace

std::string_view to_string(BounceTokenStatus value) {
  switch (value) {
    case BounceTokenStatus::none:
      return "none";
    case BounceTokenStatus::forged:
      return "forged";
    case BounceTokenStatus::valid:
      return "valid";
  }
  return "none";
}

TokenCheck check_verp_candidate(const TokenSecret& secret, std::string_view address) {
  auto bare = bare_address(address.substr(0, kMaxCandidate));
  auto at = bare.rfind('@');
  if (at == std::string::npos || at + 1 == bare.size()) return {};
  std::string_view local = std::string_view(bare).substr(0, at);
  auto plus = local.find('+');
  if (plus == std::string_view::npos || plus == 0) return {};
  auto token = local.substr(plus + 1);
  if (std::count(token.begin(), token.end(), '.') != 2 || token.front() == '.' || token.back() == '.')
    return {};
  return check_token(secret, token);
}

BounceToken match_bounce_token(const TokenSecret& secret, std::span<const std::string> candidates) {
  BounceToken out;
  for (const auto& candidate : candidates) {
    auto check = check_verp_candidate(secret, candidate);
    if (check.status == TokenStatus::valid) {
      out.status = BounceTokenStatus::valid;
      out.ids = std::move(check.ids);
      out.address = bare_address(candidate);
      return out;
    }
    if (check.status == TokenStatus::forged && out.status == BounceTokenStatus::none) {
      out.status = BounceTokenStatus::forged;
      out.address = bare_address(candidate);
    }
  }
  return out;
}

}  // namespace campaigns
