// report.hpp — what preflight found: one Finding per check and subject, each pass / warn / fail / error
// with what it saw and how to fix it; rendered as a table for a terminal or as JSON for scripts.
// error means "could not check" (DNS did not answer, a list refused us), never a silent pass.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dns::preflight {

enum class Status { pass, warn, fail, error };
std::string_view to_string(Status status);
// For "the worst of several": pass 0 < warn 1 < error 2 (could not check) < fail 3.
int severity(Status status);

struct Finding {
  std::string check;  // "rdns", "spf", "dkim", "dmarc", "dnsbl", "static-ip", "mx", "tls", "bulk-rules", ...
  std::string subject;  // the IP, domain, selector or rule checked
  Status status = Status::pass;
  std::string detail;  // what was seen
  std::string fix;     // what to do; empty when nothing is needed
};

struct Report {
  std::vector<Finding> findings;

  void add(Finding finding) { findings.push_back(std::move(finding)); }
  std::size_t count(Status status) const;
  // 0 nothing failed; 1 something failed; 3 nothing failed but something could not be checked.
  int exit_code() const;
};

// A table: CHECK SUBJECT STATUS DETAIL, the fix indented below its line, then a summary line.
// colour adds ANSI colours to the status column (for terminals only).
std::string render_table(const Report& report, bool colour);
// {"findings":[{check,subject,status,detail,fix}...],"summary":{"pass":n,...},"exit_code":n}
std::string render_json(const Report& report);

}  // namespace dns::preflight
