// suppression_policy.hpp — when a bounce suppresses its recipient (issue 16, "Suppression by rule"):
// a hard bounce of invalid-recipient, bad-domain or mailbox-disabled at once; soft bounces once the
// address's last N campaigns each ended in one (no delivery in between) over at least a minimum span;
// classes about the sender (spam-block, policy-auth) never. Pure functions over events already read;
// BounceOutcomes (events/bounce_outcomes.hpp) applies them as it records. No errors, no untrusted input
// beyond the reply text a source is made from (control characters replaced, cut to kMaxSourceLength).
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "campaigns/bounces/bounce_class.hpp"

namespace campaigns {

struct SoftBouncePolicy {
  unsigned campaigns = 3;                        // consecutive campaigns that each ended in a soft bounce
  std::chrono::seconds span{15 * 24 * 60 * 60};  // from the first of them to the last, at least
};

// A bounced or expired attempt, or an asynchronous bounce, of this class suppresses its address at once.
bool suppresses_at_once(const Classification& classification);
// ... or counts towards the soft-bounce rule.
bool counts_as_soft_bounce(const Classification& classification);

// One final outcome (delivered, bounced or expired; never deferred) of mail to one address.
struct FinalOutcome {
  std::chrono::system_clock::time_point time{};
  std::string campaign_id;  // "" when not campaign mail
  bool delivered = false;
  bool soft_bounce = false;  // a bounce for which counts_as_soft_bounce
};

// newest_first: the address's final outcomes, newest first. True when its last policy.campaigns distinct
// campaigns each ended (their newest final outcome) in a soft bounce, no delivery outside those campaigns
// came between them, and the first ended at least policy.span before the last. Outcomes of mail that is
// not campaign mail count only as deliveries (they reset).
bool soft_bounces_suppress(std::span<const FinalOutcome> newest_first, const SoftBouncePolicy& policy);

// A suppression's source: "campaign C, queue Q: REPLY", valid for is_valid_source (suppression.hpp).
std::string suppression_source(std::string_view campaign_id, std::string_view queue_id,
                               std::string_view reply);

}  // namespace campaigns
