#include "campaigns/bounces/suppression_policy.hpp"

#include <algorithm>
#include <vector>

#include "campaigns/suppression/suppression.hpp"

namespace campaigns {

bool suppresses_at_once(const Classification& c) {
  return c.severity == Severity::hard &&
         (c.bounce_class == BounceClass::invalid_recipient || c.bounce_class == BounceClass::bad_domain ||
          c.bounce_class == BounceClass::mailbox_disabled);
}

bool counts_as_soft_bounce(const Classification& c) {
  return c.severity == Severity::soft && !is_about_sender(c.bounce_class);
}

bool soft_bounces_suppress(std::span<const FinalOutcome> newest_first, const SoftBouncePolicy& policy) {
  if (policy.campaigns == 0) return false;
  std::vector<std::string_view> counted;  // campaigns whose newest final outcome was a soft bounce
  std::chrono::system_clock::time_point last{};
  for (const auto& outcome : newest_first) {
    bool seen = std::find(counted.begin(), counted.end(), outcome.campaign_id) != counted.end();
    if (seen) continue;  // an older outcome of a campaign already judged by its newest
    if (outcome.delivered) return false;
    if (outcome.campaign_id.empty())
      continue;  // a bounce of mail outside campaigns: neither counts nor resets
    if (!outcome.soft_bounce) return false;
    if (counted.empty()) last = outcome.time;
    counted.push_back(outcome.campaign_id);
    if (counted.size() == policy.campaigns) return last - outcome.time >= policy.span;
  }
  return false;
}

std::string suppression_source(std::string_view campaign_id, std::string_view queue_id,
                               std::string_view reply) {
  std::string source;
  if (!campaign_id.empty()) source += "campaign " + std::string(campaign_id) + ", ";
  if (!queue_id.empty()) source += "queue " + std::string(queue_id) + ": ";
  source += reply;
  for (char& c : source)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  if (source.size() > kMaxSourceLength) {
    source.resize(kMaxSourceLength);
    // never end inside a UTF-8 sequence
    while (!source.empty() && (static_cast<unsigned char>(source.back()) & 0xC0) == 0x80)
      source.pop_back();
    if (!source.empty() && static_cast<unsigned char>(source.back()) >= 0xC0) source.pop_back();
  }
  return source;
}

}  // namespace campaigns
