// recipients.cpp — rows are checked in the order a person would fix them: shape, address, repeat,
// suppression; the first problem found is the row's reason.
#include "campaigns/campaign/recipients.hpp"

#include <algorithm>
#include <array>

#include <openssl/sha.h>

#include "campaigns/formats/utf8.hpp"
#include "mta/smtp/ascii.hpp"

namespace campaigns {
namespace {

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return std::string(text.substr(begin, text.find_last_not_of(" \t") - begin + 1));
}

bool is_field_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && !std::isdigit(static_cast<unsigned char>(name.front())) &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

}  // namespace

std::string_view to_string(SkipReason reason) {
  switch (reason) {
    case SkipReason::malformed:
      return "malformed row";
    case SkipReason::invalid_address:
      return "invalid address";
    case SkipReason::duplicate:
      return "duplicate";
    case SkipReason::suppressed:
      return "suppressed";
    case SkipReason::missing_field:
      return "missing field";
  }
  return "?";
}

RecipientId recipient_id_for(const Address& address) {
  std::string key = SuppressionTarget::address(address).str();  // letter case folded, as suppression does
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest.data());
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i)
    value = value << 8 | digest[i];
  std::string text;
  do {
    text.insert(text.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[value % 36]);
    value /= 36;
  } while (value > 0);
  return *RecipientId::parse(text);
}

RecipientReader::RecipientReader(std::istream& in, SuppressionStore& suppression, CsvLimits limits)
    : csv_(in, limits), suppression_(suppression) {
  read_header();
}

void RecipientReader::read_header() {
  if (!csv_.next(record_)) {
    header_error_ = "the file is empty; it needs a header row naming an email column";
    return;
  }
  if (!record_.problem.empty()) {
    header_error_ =
        "line " + std::to_string(record_.line) + ": the header row is malformed: " + record_.problem;
    return;
  }
  bool has_email = false;
  for (std::size_t i = 0; i < record_.fields.size(); ++i) {
    std::string name = mta::smtp::ascii_lowered(trim(record_.fields[i]));
    if (!is_field_name(name)) {
      header_error_ = "line " + std::to_string(record_.line) + ": column " + std::to_string(i + 1) + " '" +
                      record_.fields[i] +
                      "' is not a field name (letters, digits, '_' and '-', not starting with a digit)";
      return;
    }
    if (std::find(columns_.begin(), columns_.end(), name) != columns_.end()) {
      header_error_ = "line " + std::to_string(record_.line) + ": the column '" + name + "' appears twice";
      return;
    }
    if (name == "email") has_email = true, email_column_ = i;
    columns_.push_back(std::move(name));
  }
  if (!has_email) {
    header_error_ = "line " + std::to_string(record_.line) +
                    ": the header names no email column (the first row must be a header, e.g. "
                    "email,first_name)";
    columns_.clear();
  }
}

bool RecipientReader::next(RecipientRow& row) {
  if (!header_error_.empty() || !csv_.next(record_)) return false;
  row.line = record_.line;
  row.skip.reset();
  row.problem.clear();
  row.id.reset();
  row.address = {};
  row.cells = std::move(record_.fields);
  auto skip = [&](SkipReason reason, std::string problem) {
    row.skip = reason;
    row.problem = std::move(problem);
    return true;
  };
  if (!record_.problem.empty()) return skip(SkipReason::malformed, record_.problem);
  if (row.cells.size() != columns_.size())
    return skip(SkipReason::malformed, "the row has " + std::to_string(row.cells.size()) +
                                           " cells, the header " + std::to_string(columns_.size()));
  for (std::size_t i = 0; i < row.cells.size(); ++i)
    if (invalid_utf8_at(row.cells[i]) != std::string::npos)
      return skip(SkipReason::malformed, "the " + columns_[i] +
                                             " cell is not UTF-8 text; save the CSV as UTF-8 (most "
                                             "spreadsheets offer \"CSV UTF-8\")");
  std::string email = trim(row.cells[email_column_]);
  auto parsed = parse_address(email);
  if (!parsed.address)
    return skip(SkipReason::invalid_address, (email.empty() ? std::string("the email cell is empty")
                                                            : "'" + email + "': " + parsed.problem));
  row.address = *parsed.address;
  row.cells[email_column_] = row.address.str();
  // The same mailbox whatever its letter case (as the suppression list sees it): mailed once.
  auto [at, inserted] = seen_.emplace(SuppressionTarget::address(row.address).str(), row.line);
  if (!inserted)
    return skip(SkipReason::duplicate,
                row.address.str() + " is already on line " + std::to_string(at->second));
  if (auto entry = suppression_.lookup(row.address))
    return skip(SkipReason::suppressed, row.address.str() + " is suppressed (" + entry->target.str() + ", " +
                                            std::string(to_string(entry->reason)) + ")");
  row.id = recipient_id_for(row.address);
  return true;
}

}  // namespace campaigns
