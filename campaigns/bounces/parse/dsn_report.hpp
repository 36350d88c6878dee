// dsn_report.hpp — the fields of an RFC 3464 message/delivery-status body: the per-message group
// (Reporting-MTA, Original-Envelope-Id, Arrival-Date) and one BounceRecipient per per-recipient group,
// types stripped ("rfc822; a@b" -> "a@b", "smtp; 550 ..." -> "550 ..."), folded lines unfolded.
// Errors: a body without recipient groups, or groups without a recipient or a known action, are
// reported in problems (each a sentence); nothing throws. Untrusted input: the whole body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace campaigns {

// One recipient a bounce names, from a DSN's per-recipient group or from a plain-text bounce (action
// "failed", status taken from the diagnostic text when it holds one).
struct BounceRecipient {
  std::string address;             // Final-Recipient (or Original-Recipient when there is none)
  std::string original_recipient;  // Original-Recipient, when given
  std::string action;              // failed, delayed, delivered, relayed, expanded (lower case)
  std::string status;              // x.y.z
  std::string remote_mta;
  std::string diagnostic;  // Diagnostic-Code without its type: "550 5.1.1 <a@b>: user unknown"
  std::string last_attempt_date;
};

struct DsnFields {
  std::string reporting_mta;
  std::string original_envelope_id;
  std::string arrival_date;
};

struct DsnLimits {
  std::size_t max_recipients = 1000;
  std::size_t max_field_length = 1000;
};

struct DsnParse {
  DsnFields fields;
  std::vector<BounceRecipient> recipients;
  std::vector<std::string> problems;
};

DsnParse parse_delivery_status(std::string_view body, const DsnLimits& limits);

// Whether action is one of RFC 3464 §2.3.3's five.
bool is_dsn_action(std::string_view action);

}  // namespace campaigns
