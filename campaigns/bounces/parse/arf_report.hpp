// arf_report.hpp — the fields of an RFC 5965 message/feedback-report body (Feedback-Type, User-Agent,
// Version, Original-Mail-From, Original-Rcpt-To, Arrival-Date, Source-IP, Reported-Domain).
// Errors: missing required fields (RFC 5965 §3.1: Feedback-Type, User-Agent, Version) and an unknown
// feedback type are reported in problems; nothing throws. Untrusted input: the whole body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace campaigns {

struct ArfReport {
  std::string feedback_type;  // abuse, fraud, virus, other, not-spam (lower case; others kept as given)
  std::string user_agent;
  std::string version;
  std::string original_mail_from;             // without <>
  std::vector<std::string> original_rcpt_to;  // without <>
  std::string arrival_date;
  std::string source_ip;
  std::vector<std::string> reported_domains;
};

struct ArfParse {
  ArfReport report;
  std::vector<std::string> problems;
};

ArfParse parse_feedback_report(std::string_view body, std::size_t max_field_length,
                               std::size_t max_recipients);

}  // namespace campaigns
