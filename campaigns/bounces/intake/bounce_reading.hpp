// bounce_reading.hpp — what one message to a bounce mailbox means, before anything is recorded: the
// parse (parse/bounce_message: dsn, arf, plain-bounce, auto-reply, unknown), its VERP token (valid with
// campaign and recipient, forged, or none) and, for each recipient it reports, the classification of the
// diagnostic (classify/). One function serves `relayctl bounces parse` (which shows it) and the daemon's
// intake (which records it), so what an operator sees is what the daemon does.
// Errors: none thrown; the parse's problems say what was malformed or cut. Untrusted input: the message
// and the envelope recipient (bounded by the parser; tokens MAC-checked).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/bounces/bounce_class.hpp"
#include "campaigns/bounces/events/event_recorder.hpp"
#include "campaigns/bounces/parse/bounce_message.hpp"
#include "campaigns/bounces/parse/bounce_token.hpp"
#include "campaigns/tokens/token_secret.hpp"

namespace campaigns {

struct ReadRecipient {
  BounceRecipient report;                        // as the bounce gives it
  std::string reply;                             // what was classified: the diagnostic, with the status
  std::optional<Classification> classification;  // for failed and delayed recipients
};

struct BounceReading {
  ParsedBounce parsed;
  BounceToken token;  // status none when no secret is given
  std::vector<ReadRecipient> recipients;
  // A bounce (dsn or plain-bounce) or complaint (arf) that reports something about a recipient.
  bool actionable() const;
};

// secret: the daemon's token secret (none: every token is "none"). classify: the daemon's classifier.
BounceReading read_bounce(std::string_view message, std::string_view envelope_recipient,
                          const TokenSecret* secret, const Classify& classify);

// The text a recipient's outcome is classified by: the diagnostic when it carries a reply code or starts
// with a status of its own, else the status before it ("5.1.1 mailbox unknown"), else the status alone.
std::string reply_for_classification(const BounceRecipient& recipient);

}  // namespace campaigns
