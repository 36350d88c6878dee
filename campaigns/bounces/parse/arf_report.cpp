// arf_report.cpp — RFC 5965 §3.1 and §3.2 fields; see arf_report.hpp.
#include "campaigns/bounces/parse/arf_report.hpp"

#include "campaigns/bounces/parse/fields.hpp"

namespace campaigns {

ArfParse parse_feedback_report(std::string_view body, std::size_t max_field_length,
                               std::size_t max_recipients) {
  ArfParse out;
  auto fields = read_fields(body, max_recipients + 64, max_field_length);
  auto& r = out.report;
  r.feedback_type = ascii_lower(trim_copy(field_value(fields, "Feedback-Type")));
  r.user_agent = field_value(fields, "User-Agent");
  r.version = field_value(fields, "Version");
  r.original_mail_from = bare_address(field_value(fields, "Original-Mail-From"));
  r.arrival_date = field_value(fields, "Arrival-Date");
  if (r.arrival_date.empty()) r.arrival_date = field_value(fields, "Received-Date");
  r.source_ip = trim_copy(field_value(fields, "Source-IP"));
  for (const auto& f : fields) {
    auto name = ascii_lower(f.name);
    if (name == "original-rcpt-to" && r.original_rcpt_to.size() < max_recipients)
      r.original_rcpt_to.push_back(bare_address(f.value));
    else if (name == "reported-domain" && r.reported_domains.size() < max_recipients)
      r.reported_domains.push_back(trim_copy(f.value));
  }
  if (fields.empty()) {
    out.problems.push_back("the feedback-report part holds no fields");
    return out;
  }
  for (auto [name, value] : {std::pair{"Feedback-Type", &r.feedback_type},
                             std::pair{"User-Agent", &r.user_agent}, std::pair{"Version", &r.version}})
    if (value->empty()) out.problems.push_back(std::string("the feedback report has no ") + name + " field");
  bool known = false;
  for (std::string_view type : {"abuse", "fraud", "virus", "other", "not-spam", "auth-failure"})
    known = known || r.feedback_type == type;
  if (!r.feedback_type.empty() && !known)
    out.problems.push_back("feedback type \"" + r.feedback_type.substr(0, 40) +
                           "\" is not one RFC 5965 names");
  return out;
}

}  // namespace campaigns
