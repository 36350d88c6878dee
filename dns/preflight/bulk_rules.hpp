// bulk_rules.hpp — the published requirements for bulk senders (5,000+ messages a day to one provider),
// each as a checklist line derived from the findings of the other checks:
//   Gmail and Yahoo (February 2024; Gmail rejects non-compliant mail since November 2025) and
//   Microsoft Outlook.com (May 2025: SPF pass, DKIM pass, DMARC p=none or stronger aligned, else
//   550 5.7.515).
// A line passes when every check it rests on passed, warns when one warned, fails when one failed, and is
// "error" when one could not be checked. Pure: no DNS here. No untrusted input beyond the findings' text.
#pragma once

#include <vector>

#include "dns/preflight/report.hpp"

namespace dns::preflight {

struct BulkRule {
  const char* id;                   // "spf-and-dkim"
  const char* providers;            // "Gmail, Yahoo, Outlook.com"
  const char* requirement;          // what the providers ask for
  std::vector<const char*> checks;  // the checks it rests on ("spf", "dkim", ...)
  const char* fix;                  // what to do when it is not met
};

// The rules, in the order they are reported.
const std::vector<BulkRule>& bulk_rules();

// One "bulk-rules" finding per rule, from the findings already in report. A rule whose checks did not run
// (e.g. no --campaign for the unsubscribe headers) is a warning saying what to run to check it.
std::vector<Finding> evaluate_bulk_rules(const Report& report);

}  // namespace dns::preflight
