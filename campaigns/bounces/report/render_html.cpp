// render_html.cpp — the html format: one page with everything inline (CSS in a <style>, charts as SVG, no
// script, no image, no font, no link), and a Content-Security-Policy meta that forbids loading anything, so
// opening it makes no network request even if a reply text were to slip through. Responsive: the summary
// cards wrap, the charts scale to the width, wide tables scroll sideways inside their own box.
#include "campaigns/bounces/report/report_render.hpp"
#include "campaigns/bounces/report/svg_chart.hpp"
#include "campaigns/formats/timestamp.hpp"
#include "campaigns/web/unsubscribe_page.hpp"  // html_escape

namespace campaigns {
namespace {

constexpr const char* kStyle = R"css(
:root{color-scheme:light;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f5f7fa}
body{margin:0 auto;max-width:1100px;padding:12px}
h1{font-size:1.4rem;margin:.4rem 0}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
.filter,.note{color:#52606d;font-size:.9rem}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:8px}
.card{background:#fff;border-radius:8px;padding:10px;box-shadow:0 1px 2px rgba(0,0,0,.1)}
.card .n{display:block;font-size:1.5rem;font-weight:600}.card .l{display:block;color:#52606d}
.card .r{display:block;font-size:.85rem;color:#3e4c59}
.identity{background:#fff;border-left:4px solid #2e7d32;padding:8px;margin:10px 0;overflow-wrap:anywhere}
.identity.bad{border-color:#c62828}
.scroll{overflow-x:auto;background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.1)}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:6px 8px;border-bottom:1px solid #e4e7eb;text-align:right;white-space:nowrap}
th:first-child,td:first-child,td.text,th.text{text-align:left}td.text{white-space:normal;min-width:16rem}
.sender{color:#c62828;font-weight:600}
svg.chart{display:block;width:100%;max-width:560px;height:auto;background:#fff;border-radius:8px;margin-bottom:8px;font-size:12px}
svg.chart text{fill:#1f2933}
.empty{padding:12px;background:#fff3cd;border-radius:8px}
)css";

const std::vector<ChartSeries> kSeverity{{"hard", "#c62828"}, {"soft", "#ef8a17"}};
const std::vector<ChartSeries> kOutcome{
    {"delivered", "#2e7d32"}, {"deferred", "#f2c94c"}, {"bounced", "#c62828"}};

std::string n(std::int64_t value) {
  return std::to_string(value);
}

std::string cell(std::string_view text, bool is_text = false) {
  return std::string(is_text ? "<td class=\"text\">" : "<td>") + html_escape(text) + "</td>";
}

std::string card(std::string_view name, std::int64_t value, std::string_view rate_text) {
  return "<div class=\"card\" data-count=\"" + html_escape(name) + "\"><span class=\"n\">" + n(value) +
         "</span><span class=\"l\">" + html_escape(name) + "</span><span class=\"r\">" +
         html_escape(rate_text) + "</span></div>";
}

std::string group_table(const std::vector<GroupRow>& rows, const char* kind) {
  std::string out = "<div class=\"scroll\"><table data-table=\"" + std::string(kind) + "\"><thead><tr><th>" +
                    kind +
                    "</th><th>recipients</th><th>delivered</th><th>deferred</th><th>bounced</th><th>hard</th>"
                    "<th>soft</th><th>complained</th><th>bounce rate</th></tr></thead><tbody>";
  for (const auto& g : rows)
    out += "<tr data-name=\"" + html_escape(g.name) + "\">" + cell(g.name) + cell(n(g.recipients)) +
           cell(n(g.delivered)) + cell(n(g.deferred)) + cell(n(g.bounced)) + cell(n(g.hard)) +
           cell(n(g.soft)) + cell(n(g.complained)) + cell(format_rate(rate(g.bounced, g.recipients))) +
           "</tr>";
  return out + "</tbody></table></div>";
}

std::vector<ChartRow> group_chart(const std::vector<GroupRow>& rows, std::size_t limit) {
  std::vector<ChartRow> out;
  for (const auto& g : rows) {
    if (out.size() == limit) break;
    out.push_back({g.name, {g.delivered, g.deferred, g.bounced}});
  }
  return out;
}

}  // namespace

std::string render_html(const Report& report) {
  const auto& c = report.counts;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'\">"
      "<title>Bounce report</title><style>";
  out += kStyle;
  out += "</style></head><body>\n<h1>Bounce report</h1><p class=\"filter\">" +
         html_escape(describe_filter(report.filter)) + " · " + n(report.events) + " events</p>\n";
  if (report.events == 0)
    out += "<p class=\"empty\" id=\"no-events\">No events: no delivery event matches this filter.</p>\n";

  out += "<section id=\"summary\"><div class=\"cards\">";
  out += card("recipients", c.recipients, "") + card("sent", c.sent, "");
  out += card("delivered", c.delivered, format_rate(rate(c.delivered, c.sent)));
  out += card("deferred", c.deferred, format_rate(rate(c.deferred, c.sent)));
  out += card("bounced", c.bounced, format_rate(rate(c.bounced, c.sent)));
  out += card("hard", c.hard, format_rate(rate(c.hard, c.sent)));
  out += card("soft", c.soft, format_rate(rate(c.soft, c.sent)));
  out += card("complained", c.complained, format_rate(rate(c.complained, c.delivered)));
  out += card("unsubscribed", c.unsubscribed, format_rate(rate(c.unsubscribed, c.delivered)));
  out += card("suppressed", c.suppressed, format_rate(rate(c.suppressed, c.sent)));
  if (c.campaign)
    out += card("queued", c.queued, "") + card("skipped", c.skipped, "") + card("refused", c.refused, "") +
           card("pending", c.pending, "");
  out += "</div><p class=\"identity" + std::string(c.adds_up() ? "" : " bad") + "\" id=\"identity\">" +
         html_escape(c.identity()) + (c.adds_up() ? "" : " (does not add up)") +
         "</p><p class=\"note\">Rates are of sent; complained and unsubscribed of delivered.</p></section>\n";

  out += "<section id=\"by-class\"><h2>By class</h2>";
  std::vector<ChartRow> class_rows;
  std::string class_table;
  for (const auto& row : report.by_class) {
    if (!row.hard && !row.soft && !row.deferred) continue;
    auto name = std::string(to_string(row.bounce_class));
    bool sender = is_about_sender(row.bounce_class);
    if (row.hard || row.soft) class_rows.push_back({name, {row.hard, row.soft}});
    class_table += "<tr data-class=\"" + name + "\"><td" + (sender ? " class=\"sender\"" : "") + ">" + name +
                   (sender ? " (about the sender)" : "") + "</td>" + cell(n(row.hard)) + cell(n(row.soft)) +
                   cell(n(row.deferred)) + "</tr>";
  }
  if (class_table.empty()) {
    out += "<p class=\"note\">No bounces or deferrals.</p>";
  } else {
    if (!class_rows.empty()) out += svg_bar_chart("Bounced recipients by class", kSeverity, class_rows);
    out +=
        "<div class=\"scroll\"><table "
        "data-table=\"class\"><thead><tr><th>class</th><th>hard</th><th>soft</th>"
        "<th>deferred</th></tr></thead><tbody>" +
        class_table + "</tbody></table></div>";
    out +=
        "<p class=\"note\">Classes about the sender (spam-block, policy-auth) do not suppress the recipient: "
        "the sending must be fixed.</p>";
  }
  out += "</section>\n";

  if (!report.by_provider.empty()) {
    out += "<section id=\"by-provider\"><h2>By mailbox provider</h2>";
    out += svg_bar_chart("Recipients by mailbox provider", kOutcome, group_chart(report.by_provider, 15));
    out += group_table(report.by_provider, "provider") + "</section>\n";
  }
  if (!report.by_domain.empty())
    out += "<section id=\"by-domain\"><h2>By recipient domain</h2>" +
           group_table(report.by_domain, "domain") + "</section>\n";
  if (!report.over_time.empty()) {
    std::vector<ChartRow> columns;
    for (const auto& b : report.over_time) {
      auto label = format_timestamp(b.start);
      if (!report.hourly) label = label.substr(0, 10);
      columns.push_back({label, {b.hard, b.soft}});
    }
    out += "<section id=\"over-time\"><h2>Bounces over time (per " +
           std::string(report.hourly ? "hour" : "day") + ")</h2>" +
           svg_column_chart("Bounces over time", kSeverity, columns) + "</section>\n";
  }
  if (!report.top_replies.empty()) {
    out +=
        "<section id=\"top-replies\"><h2>Top replies</h2><div class=\"scroll\"><table data-table=\"replies\">"
        "<thead><tr><th>count</th><th>class</th><th>severity</th><th class=\"text\">reply "
        "(normalised)</th></tr></thead><tbody>";
    for (const auto& r : report.top_replies)
      out +=
          "<tr>" + cell(n(r.count)) + cell(r.bounce_class) + cell(r.severity) + cell(r.reply, true) + "</tr>";
    out += "</tbody></table></div></section>\n";
  }
  out += "</body></html>\n";
  return out;
}

}  // namespace campaigns
