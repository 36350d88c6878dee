// spam_verdict.hpp — what a spam score means for a relay domain (docs/inbound.md, "Spam and virus
// scanning"): the level reached (none < low < med < high, thresholds per domain), its action, and the
// edits to the message that is forwarded: forged X-Spam headers removed, X-Spam-Level / X-Spam-Score added
// (actions headers and tag), the level's tag prepended to the Subject (action tag), or the header of a
// message accepted unscanned because the scanner was down (ScannerDown::accept).
// Pure functions on the message text (CRLF lines); untrusted input: the message, whose header section ends
// at the first empty line; malformed lines are kept as they are, never dropped or rejected here.
#pragma once

#include <string>
#include <string_view>

#include "mta/config/inbound.hpp"

namespace mta::inbound::scan {

enum class SpamLevel { none, low, med, high };
std::string_view to_string(SpamLevel level);

// The highest level whose threshold the score reaches (score >= threshold); none below every threshold.
SpamLevel level_for(const config::SpamPolicy& policy, double score);
// The level's configured action and Subject tag; none and "" for SpamLevel::none.
config::SpamAction action_for(const config::SpamPolicy& policy, SpamLevel level);
std::string_view tag_for(const config::SpamPolicy& policy, SpamLevel level);

// Every header field named "X-Spam" or "X-Spam-*" (any case) removed, with its continuation lines: only
// relayctl's own verdict may reach the customer's server, whose filters may trust these fields.
std::string remove_spam_headers(std::string_view message);

// The message to forward after a scan: forged X-Spam fields removed; for actions headers and tag,
// "X-Spam-Level: <level name>" and "X-Spam-Score: <score, 2 decimals>" prepended; for tag, the level's tag
// prepended to the first Subject's value (folding and encoded-words kept; a Subject added if none).
// Actions none, reject and discard only remove the forged fields.
std::string mark_scanned(std::string_view message, const config::SpamPolicy& policy, double score);

// The message to forward when the scanner was down and the domain accepts unscanned mail: forged X-Spam
// fields removed and "X-Spam-Status: unscanned (scanner unavailable)" prepended.
std::string mark_unscanned(std::string_view message);

// The first Subject's value with tag prepended (a Subject field added at the end of the header section if
// there is none); the message unchanged for an empty tag.
std::string tag_subject(std::string_view message, std::string_view tag);

}  // namespace mta::inbound::scan
