// report_format.cpp — the choice of format and the small pieces every renderer shares.
#include <cstdio>

#include "campaigns/bounces/report/report_render.hpp"
#include "campaigns/formats/csv.hpp"
#include "campaigns/formats/timestamp.hpp"

namespace campaigns {

std::optional<ReportFormat> parse_report_format(std::string_view text) {
  if (text == "table") return ReportFormat::table;
  if (text == "csv") return ReportFormat::csv;
  if (text == "json") return ReportFormat::json;
  if (text == "html") return ReportFormat::html;
  return std::nullopt;
}

std::string render_report(const Report& report, ReportFormat format) {
  switch (format) {
    case ReportFormat::table:
      return render_table(report);
    case ReportFormat::csv:
      return render_csv(report);
    case ReportFormat::json:
      return render_json(report);
    case ReportFormat::html:
      return render_html(report);
  }
  return render_table(report);
}

std::string format_rate(std::optional<double> value) {
  if (!value) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %%", *value * 100.0);
  return buffer;
}

std::string format_time_ms(std::int64_t time_ms) {
  if (time_ms == 0) return "";
  return format_timestamp(std::chrono::sys_seconds{std::chrono::seconds{time_ms / 1000}});
}

std::string describe_filter(const ReportFilter& f) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (!f.campaign.empty()) add("campaign " + f.campaign);
  if (f.since) add("since " + format_timestamp(*f.since));
  if (f.until) add("until " + format_timestamp(*f.until));
  if (!f.domain.empty()) add("domain " + f.domain);
  return out.empty() ? "all events" : out;
}

bool about_sender(std::string_view bounce_class) {
  auto parsed = parse_bounce_class(bounce_class);
  return parsed && is_about_sender(*parsed);
}

std::string csv_cell(std::string_view value) {
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@' ||
                         value[0] == '\t' || value[0] == '\r'))
    return csv_field("'" + std::string(value));
  return csv_field(value);
}

}  // namespace campaigns
