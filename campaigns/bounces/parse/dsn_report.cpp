// dsn_report.cpp — RFC 3464 §2.2 and §2.3 fields read from field groups; see dsn_report.hpp.
#include "campaigns/bounces/parse/dsn_report.hpp"

#include "campaigns/bounces/parse/fields.hpp"

namespace campaigns {
namespace {

constexpr std::size_t kMaxFieldsPerGroup = 64;

}  // namespace

bool is_dsn_action(std::string_view action) {
  for (std::string_view known : {"failed", "delayed", "delivered", "relayed", "expanded"})
    if (action == known) return true;
  return false;
}

DsnParse parse_delivery_status(std::string_view body, const DsnLimits& limits) {
  DsnParse out;
  const auto cap = limits.max_field_length;
  // One group more than recipients: the per-message group comes first.
  auto groups = read_field_groups(body, limits.max_recipients + 2, kMaxFieldsPerGroup, cap);
  if (groups.empty()) {
    out.problems.push_back("the delivery-status part holds no fields");
    return out;
  }
  std::size_t first_recipient_group = 0;
  const auto& head = groups.front();
  if (!find_field(head, "Final-Recipient") && !find_field(head, "Original-Recipient")) {
    out.fields.reporting_mta = strip_type(field_value(head, "Reporting-MTA"));
    out.fields.original_envelope_id = field_value(head, "Original-Envelope-Id");
    out.fields.arrival_date = field_value(head, "Arrival-Date");
    first_recipient_group = 1;
  } else {
    out.problems.push_back("the delivery-status part has no per-message fields (Reporting-MTA)");
  }
  std::size_t skipped = 0;
  for (std::size_t i = first_recipient_group; i < groups.size(); ++i) {
    const auto& group = groups[i];
    BounceRecipient r;
    r.original_recipient = strip_type(field_value(group, "Original-Recipient"));
    r.address = strip_type(field_value(group, "Final-Recipient"));
    if (r.address.empty()) r.address = r.original_recipient;
    r.address = bare_address(r.address);
    r.original_recipient = bare_address(r.original_recipient);
    r.action = ascii_lower(trim_copy(field_value(group, "Action")));
    r.status = trim_copy(field_value(group, "Status"));
    auto space = r.status.find_first_of(" \t(");
    if (space != std::string::npos) r.status.resize(space);
    r.remote_mta = strip_type(field_value(group, "Remote-MTA"));
    r.diagnostic = strip_type(field_value(group, "Diagnostic-Code"));
    r.last_attempt_date = field_value(group, "Last-Attempt-Date");
    if (r.address.empty()) {
      ++skipped;
      continue;
    }
    if (!is_dsn_action(r.action))
      out.problems.push_back("recipient " + r.address.substr(0, 100) + ": action \"" +
                             r.action.substr(0, 40) +
                             "\" is not one of failed, delayed, delivered, relayed, expanded");
    if (out.recipients.size() >= limits.max_recipients) {
      out.problems.push_back("more than " + std::to_string(limits.max_recipients) +
                             " recipients: the rest are ignored");
      break;
    }
    out.recipients.push_back(std::move(r));
  }
  if (skipped > 0)
    out.problems.push_back(std::to_string(skipped) +
                           " per-recipient group(s) without Final-Recipient or Original-Recipient ignored");
  if (out.recipients.empty()) out.problems.push_back("the delivery-status part names no recipient");
  return out;
}

}  // namespace campaigns
