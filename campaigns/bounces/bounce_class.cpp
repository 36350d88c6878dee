#include "campaigns/bounces/bounce_class.hpp"

#include <array>
#include <utility>

namespace campaigns {
namespace {

constexpr std::array<std::pair<BounceClass, std::string_view>, 13> kClasses{{
    {BounceClass::invalid_recipient, "invalid-recipient"},
    {BounceClass::bad_domain, "bad-domain"},
    {BounceClass::mailbox_full, "mailbox-full"},
    {BounceClass::message_too_large, "message-too-large"},
    {BounceClass::spam_block, "spam-block"},
    {BounceClass::policy_auth, "policy-auth"},
    {BounceClass::rate_limited, "rate-limited"},
    {BounceClass::greylisted, "greylisted"},
    {BounceClass::dns_failure, "dns-failure"},
    {BounceClass::tls_failure, "tls-failure"},
    {BounceClass::relay_denied, "relay-denied"},
    {BounceClass::mailbox_disabled, "mailbox-disabled"},
    {BounceClass::other, "other"},
}};

constexpr std::array<BounceClass, 13> kOrder = [] {
  std::array<BounceClass, 13> order{};
  for (std::size_t i = 0; i < kClasses.size(); ++i) order[i] = kClasses[i].first;
  return order;
}();

}  // namespace

std::string_view to_string(BounceClass value) {
  for (const auto& [cls, name] : kClasses)
    if (cls == value) return name;
  return "other";
}

std::optional<BounceClass> parse_bounce_class(std::string_view text) {
  for (const auto& [cls, name] : kClasses)
    if (name == text) return cls;
  return std::nullopt;
}

std::span<const BounceClass> all_bounce_classes() {
  return kOrder;
}

std::string_view to_string(Severity value) {
  return value == Severity::hard ? "hard" : "soft";
}

std::optional<Severity> parse_severity(std::string_view text) {
  if (text == "hard") return Severity::hard;
  if (text == "soft") return Severity::soft;
  return std::nullopt;
}

bool is_about_sender(BounceClass value) {
  return value == BounceClass::spam_block || value == BounceClass::policy_auth;
}

}  // namespace campaigns
