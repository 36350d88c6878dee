#include "campaigns/suppression/suppression_csv.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "campaigns/formats/csv.hpp"
#include "campaigns/formats/timestamp.hpp"
#include "mta/smtp/ascii.hpp"

namespace campaigns {
namespace {

enum Column { kAddress, kReason, kSource, kTime, kColumns };
constexpr std::array<std::string_view, kColumns> kColumnNames{"address", "reason", "source", "time"};

std::string_view trimmed(std::string_view text) {
  auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::optional<Column> column_named(std::string_view name) {
  for (std::size_t i = 0; i < kColumns; ++i)
    if (mta::smtp::ascii_lowered(trimmed(name)) == kColumnNames[i]) return static_cast<Column>(i);
  return std::nullopt;
}

// Where each column is in a row: from the header, or address,reason,source,time without one.
struct Layout {
  std::array<std::optional<std::size_t>, kColumns> index{0, 1, 2, 3};
  std::size_t max_fields = kColumns;  // more is a bad row (without a header only)
};

// A first row naming a column and holding no address or domain ("@...") is a header.
bool is_header(const CsvRecord& record) {
  auto names = [](const std::string& f) { return column_named(f).has_value(); };
  auto target = [](const std::string& f) { return SuppressionTarget::parse(trimmed(f)).target.has_value(); };
  return record.problem.empty() && std::any_of(record.fields.begin(), record.fields.end(), names) &&
         std::none_of(record.fields.begin(), record.fields.end(), target);
}

// The layout a header gives; an empty optional (and fatal set) when it cannot be used.
std::optional<Layout> header_layout(const CsvRecord& header, ImportReport& report) {
  Layout layout;
  layout.index.fill(std::nullopt);
  layout.max_fields = SIZE_MAX;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    auto column = column_named(header.fields[i]);
    if (!column) {
      report.warnings.push_back("line " + std::to_string(header.line) + ": column \"" + header.fields[i] +
                                "\" is ignored (known columns: address, reason, source, time)");
    } else if (layout.index[*column]) {
      report.fatal = "line " + std::to_string(header.line) + ": the header names column \"" +
                     std::string(kColumnNames[*column]) + "\" twice";
      return std::nullopt;
    } else {
      layout.index[*column] = i;
    }
  }
  if (!layout.index[kAddress]) {
    report.fatal = "line " + std::to_string(header.line) +
                   ": the header has no \"address\" column; name the column of addresses \"address\"";
    return std::nullopt;
  }
  return layout;
}

std::string_view field(const CsvRecord& record, const Layout& layout, Column column) {
  auto index = layout.index[column];
  if (!index || *index >= record.fields.size()) return {};
  return trimmed(record.fields[*index]);
}

// The entry a row stands for, or the problem with it.
std::optional<Suppression> entry_of(const CsvRecord& record, const Layout& layout,
                                    const ImportDefaults& defaults, std::string& problem) {
  if (!record.problem.empty()) {
    problem = record.problem;
    return std::nullopt;
  }
  if (record.fields.size() > layout.max_fields) {
    problem = std::to_string(record.fields.size()) +
              " fields; without a header a row is address[,reason[,source[,time]]]";
    return std::nullopt;
  }
  std::string_view address = field(record, layout, kAddress);
  if (address.empty()) {
    problem = "no address";
    return std::nullopt;
  }
  auto target = SuppressionTarget::parse(address);
  if (!target.target) {
    problem = "\"" + std::string(address) + "\": " + target.problem;
    return std::nullopt;
  }
  Suppression entry{*target.target, defaults.reason, defaults.source, defaults.time};
  if (auto text = field(record, layout, kReason); !text.empty()) {
    auto reason = parse_reason(text);
    if (!reason) {
      problem = "unknown reason \"" + std::string(text) + "\"; use one of " + std::string(kReasonNames);
      return std::nullopt;
    }
    entry.reason = *reason;
  }
  if (auto text = field(record, layout, kSource); !text.empty()) {
    if (!is_valid_source(text)) {
      problem = "the source is longer than " + std::to_string(kMaxSourceLength) +
                " octets or holds control characters";
      return std::nullopt;
    }
    entry.source = text;
  }
  if (auto text = field(record, layout, kTime); !text.empty()) {
    auto time = parse_timestamp(text);
    if (!time) {
      problem = "time \"" + std::string(text) + "\" is not RFC 3339 (2024-05-01T12:00:00Z) or Unix seconds";
      return std::nullopt;
    }
    entry.time = *time;
  }
  return entry;
}

bool blank(const CsvRecord& record) {
  return record.problem.empty() && std::all_of(record.fields.begin(), record.fields.end(),
                                               [](const std::string& f) { return trimmed(f).empty(); });
}

}  // namespace

ImportReport import_suppressions(std::istream& in, SuppressionStore& store, const ImportDefaults& defaults) {
  ImportReport report;
  CsvReader reader(in);
  CsvRecord record;
  Layout layout;
  std::vector<Suppression> batch;
  auto flush = [&] {
    for (auto outcome : store.add_all(batch))
      ++(outcome == AddOutcome::added ? report.added : report.already_present);
    batch.clear();
  };
  for (bool first = true; reader.next(record); first = false) {
    if (first && is_header(record)) {
      auto from_header = header_layout(record, report);
      if (!from_header) return report;
      layout = *from_header;
      continue;
    }
    if (blank(record)) continue;
    std::string problem;
    if (auto entry = entry_of(record, layout, defaults, problem)) {
      batch.push_back(std::move(*entry));
      if (batch.size() >= kImportBatch) flush();
    } else {
      ++report.skipped;
      if (report.problems.size() < kMaxReportedProblems) report.problems.push_back({record.line, problem});
    }
  }
  flush();
  return report;
}

std::string suppression_csv_header() {
  return csv_line({"address", "reason", "source", "time"});
}

void export_suppressions(SuppressionStore& store, std::ostream& out) {
  out << suppression_csv_header();
  for (const auto& entry : store.list({}))
    out << csv_line({entry.target.str(), std::string(to_string(entry.reason)), entry.source,
                     format_timestamp(entry.time)});
}

}  // namespace campaigns
