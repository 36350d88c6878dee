#include "campaigns/bounces/intake/bounce_reading.hpp"

#include "campaigns/bounces/parse/fields.hpp"

namespace campaigns {

bool BounceReading::actionable() const {
  if (parsed.kind == BounceKind::arf) return true;
  if (parsed.kind != BounceKind::dsn && parsed.kind != BounceKind::plain_bounce) return false;
  for (const auto& r : recipients)
    if (r.classification) return true;
  return false;
}

std::string reply_for_classification(const BounceRecipient& recipient) {
  if (!recipient.diagnostic.empty() && has_reply_code(recipient.diagnostic)) return recipient.diagnostic;
  if (recipient.diagnostic.empty()) return recipient.status;
  // A diagnostic that starts with its own enhanced status ("5.4.7 - Delivery expired") says more than the
  // report's generic one (often 5.0.0).
  if (recipient.status.empty() || !find_enhanced_status(recipient.diagnostic.substr(0, 12)).empty())
    return recipient.diagnostic;
  return recipient.status + " " + recipient.diagnostic;
}

BounceReading read_bounce(std::string_view message, std::string_view envelope_recipient,
                          const TokenSecret* secret, const Classify& classify) {
  BounceReading reading;
  reading.parsed = parse_bounce_message(message, envelope_recipient);
  if (secret) reading.token = match_bounce_token(*secret, reading.parsed.token_candidates);
  for (const auto& r : reading.parsed.recipients) {
    ReadRecipient read{r, reply_for_classification(r), std::nullopt};
    if (r.action == "failed" || r.action == "delayed") read.classification = classify(read.reply);
    reading.recipients.push_back(std::move(read));
  }
  return reading;
}

}  // namespace campaigns
