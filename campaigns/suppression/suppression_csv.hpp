// suppression_csv.hpp — the suppression list as CSV (csv.hpp): export writes the header
// address,reason,source,time and one row per entry (time in RFC 3339 UTC); import reads that, a file with
// a header naming at least an address column (in any order; unknown columns ignored with a warning), or
// rows without a header (address[,reason[,source[,time]]]). Empty reason, source or time take the import's
// defaults. Errors: a bad row is skipped and reported with its line and why, never fatal; only a header
// without an address column stops the import. Untrusted input: the whole file.
#pragma once

#include <chrono>
#include <cstddef>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "campaigns/suppression/suppression.hpp"

namespace campaigns {

struct ImportDefaults {
  Reason reason = Reason::import;
  std::string source;
  std::chrono::sys_seconds time{};
};

struct RowProblem {
  std::size_t line = 0;
  std::string problem;
};

struct ImportReport {
  std::size_t added = 0;
  std::size_t already_present = 0;   // in the store already, or earlier in the same file
  std::size_t skipped = 0;           // bad rows
  std::vector<RowProblem> problems;  // the first kMaxReportedProblems bad rows
  std::vector<std::string> warnings;
  std::string fatal;  // set when the import stopped (nothing after it was added)
};

inline constexpr std::size_t kMaxReportedProblems = 100;
inline constexpr std::size_t kImportBatch = 5000;  // rows per transaction

ImportReport import_suppressions(std::istream& in, SuppressionStore& store, const ImportDefaults& defaults);
void export_suppressions(SuppressionStore& store, std::ostream& out);
std::string suppression_csv_header();

}  // namespace campaigns
