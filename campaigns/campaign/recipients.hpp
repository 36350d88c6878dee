// recipients.hpp — a campaign's recipients CSV read row by row: an RFC 4180 file (campaigns/formats/csv) with a
// header row naming an `email` column; every column becomes a template field. Each row is checked — its
// shape, the address (campaigns/formats/address), a repeat of an earlier row (domain case ignored), the
// suppression list — and gets a stable RecipientId, or is skipped with its line and a reason.
// Errors: a header that cannot be used is fatal (header_error); bad rows never stop reading.
// Untrusted input: the whole file (cells bounded by CsvLimits).
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "campaigns/formats/csv.hpp"
#include "campaigns/suppression/suppression.hpp"
#include "campaigns/tokens/verp.hpp"

namespace campaigns {

enum class SkipReason { malformed, invalid_address, duplicate, suppressed, missing_field };
inline constexpr std::size_t kSkipReasons = 5;
std::string_view to_string(SkipReason reason);  // "malformed row", "invalid address", ...

struct RecipientRow {
  std::size_t line = 0;
  std::optional<SkipReason> skip;  // set when the row cannot be used
  std::string problem;             // why, for people
  Address address;                 // domain in lower case
  std::optional<RecipientId> id;
  std::vector<std::string> cells;  // in the order of columns()
};

// The id of an address: the first 64 bits of SHA-256 over local@domain (domain in lower case) in base 36,
// so the same address gets the same id in every run and in every order of the list.
RecipientId recipient_id_for(const Address& address);

class RecipientReader {
 public:
  RecipientReader(std::istream& in, SuppressionStore& suppression,
                  CsvLimits limits = {.max_field = 4096, .max_fields = 64});
  // Empty when the header is usable: a header row whose names are unique field names, one of them email.
  const std::string& header_error() const { return header_error_; }
  const std::vector<std::string>& columns() const { return columns_; }  // lower case
  // The next row (usable or skipped); false at the end or when the header is bad.
  bool next(RecipientRow& row);

 private:
  void read_header();

  CsvReader csv_;
  SuppressionStore& suppression_;
  std::vector<std::string> columns_;
  std::size_t email_column_ = 0;
  std::string header_error_;
  std::unordered_map<std::string, std::size_t> seen_;  // address key -> line
  CsvRecord record_;
};

}  // namespace campaigns
