// render_csv.cpp — the csv format: a header (kCsvColumns), then one row per recipient of the report, the
// rows a spreadsheet filters to find the recipients behind any count of the other formats.
#include "campaigns/bounces/report/report_render.hpp"

namespace campaigns {

std::string render_csv(const Report& report) {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i)
      out += (i ? "," : "") + csv_cell(cells[i]);
    out += "\r\n";
  };
  line(std::vector<std::string>(std::begin(kCsvColumns), std::end(kCsvColumns)));
  for (const auto& r : report.recipients)
    line({r.campaign, r.recipient_id, r.address, r.domain, r.provider, std::string(to_string(r.state)),
          r.severity, r.bounce_class, about_sender(r.bounce_class) ? "yes" : "", r.complained ? "yes" : "",
          r.suppression, r.enhanced_code, r.reply, r.mx_host, format_time_ms(r.time_ms), r.detail});
  return out;
}

}  // namespace campaigns
