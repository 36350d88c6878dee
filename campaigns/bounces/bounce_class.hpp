// bounce_class.hpp — the vocabulary of bounces, shared by the classifier (classify/), the events it
// labels (events/), the bounce-message parser (parse/) and the report (report/): exactly these thirteen
// classes, and hard or soft. Hard: do not mail this recipient again for this reason; soft: a later attempt
// may succeed (a full mailbox is soft, a disabled one hard). No untrusted input: names are parsed exactly.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace campaigns {

enum class BounceClass {
  invalid_recipient,  // no such user
  bad_domain,         // no such domain, no MX, null MX
  mailbox_full,
  message_too_large,
  spam_block,         // the content or the sending IP/domain is blocked as spam (blocklists included)
  policy_auth,        // SPF, DKIM, DMARC or other authentication requirements of the sender
  rate_limited,       // too much mail, too fast
  greylisted,
  dns_failure,        // a lookup that failed (not a name that does not exist)
  tls_failure,
  relay_denied,
  mailbox_disabled,   // the account exists but is disabled, suspended or closed
  other,
};

enum class Severity { hard, soft };

std::string_view to_string(BounceClass value);  // "invalid-recipient", ...
std::optional<BounceClass> parse_bounce_class(std::string_view text);
std::span<const BounceClass> all_bounce_classes();  // in the order above
std::string_view to_string(Severity value);  // "hard" | "soft"
std::optional<Severity> parse_severity(std::string_view text);

// Classes about the sender rather than the recipient: never a reason to suppress the recipient, but
// flagged in the report (the sender must fix something).
bool is_about_sender(BounceClass value);

struct Classification {
  BounceClass bounce_class = BounceClass::other;
  Severity severity = Severity::soft;
  std::string rule;  // the name of the rule that matched
};

}  // namespace campaigns
