// report_render.hpp — a Report (report.hpp) as text, in the four formats of `bounces report --format`:
//   table: for a terminal, aligned columns; control characters in outside text shown as '?'.
//   csv:   RFC 4180 (campaigns/formats/csv), one row per recipient (kCsvColumns); a cell that a spreadsheet
//          would run as a formula (starting with = + - @, tab or CR) gets a leading '.
//   json:  one object, keys documented in docs/bounces.md and stable: new keys may be added, none renamed.
//   html:  one self-contained page (no network resource, a Content-Security-Policy that forbids them),
//          charts as inline SVG, every outside text escaped, readable on a phone.
// Errors: none; rendering cannot fail. Untrusted input: addresses, host names and reply texts in the report.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "campaigns/bounces/report/report.hpp"

namespace campaigns {

enum class ReportFormat { table, csv, json, html };
std::optional<ReportFormat> parse_report_format(std::string_view text);

std::string render_report(const Report& report, ReportFormat format);
std::string render_table(const Report& report);
std::string render_csv(const Report& report);
std::string render_json(const Report& report);
std::string render_html(const Report& report);

inline constexpr const char* kCsvColumns[] = {"campaign",     "recipient_id", "recipient",   "domain",
                                              "provider",     "state",        "severity",    "class",
                                              "about_sender", "complained",   "suppression", "enhanced_code",
                                              "reply",        "mx_host",      "time",        "detail"};

// Shared by the renderers.
std::string format_rate(std::optional<double> value);     // "12.3 %", "-" when undefined
std::string format_time_ms(std::int64_t time_ms);         // RFC 3339, "" for 0
std::string describe_filter(const ReportFilter& filter);  // "campaign x, since ..., domain y" or "everything"
bool about_sender(std::string_view bounce_class);
std::string csv_cell(std::string_view value);  // the formula guard, then RFC 4180 quoting

}  // namespace campaigns
