// render_table.cpp — the table format, for a terminal: the counts with rates and the identity, then each
// breakdown as aligned columns (numbers right-aligned). Outside text has its control characters shown as
// '?' (a reply must not move the cursor or change colours) and is cut to keep lines readable.
#include <algorithm>
#include <initializer_list>

#include "campaigns/bounces/report/report_render.hpp"
#include "campaigns/formats/timestamp.hpp"

namespace campaigns {
namespace {

std::string safe(std::string_view text, std::size_t max = 100) {
  std::string out;
  for (char c : text)
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  if (out.size() > max) out = out.substr(0, max - 3) + "...";
  return out;
}

// Display width, counting each UTF-8 sequence once.
std::size_t width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Rows of cells; align says each column's alignment, 'l' or 'r' (past its end: the first column left, the
// others right).
std::string columns(const std::vector<std::vector<std::string>>& rows, std::string_view align = "l") {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], width(row[i]));
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      std::string pad(widths[i] - width(row[i]), ' ');
      if (i) line += "  ";
      bool last = i + 1 == row.size();
      bool left = i < align.size() ? align[i] == 'l' : i == 0;
      line += left ? row[i] + (last ? "" : pad) : pad + row[i];
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string n(std::int64_t value) {
  return std::to_string(value);
}

std::string groups(const std::vector<GroupRow>& rows, const char* title) {
  std::vector<std::vector<std::string>> table{
      {title, "recipients", "delivered", "deferred", "bounced", "hard", "soft", "complained", "bounce rate"}};
  for (const auto& g : rows)
    table.push_back({safe(g.name, 60), n(g.recipients), n(g.delivered), n(g.deferred), n(g.bounced),
                     n(g.hard), n(g.soft), n(g.complained), format_rate(rate(g.bounced, g.recipients))});
  return columns(table);
}

}  // namespace

std::string render_table(const Report& report) {
  const auto& c = report.counts;
  std::string out = "bounce report: " + safe(describe_filter(report.filter)) + "\n";
  if (report.events == 0) out += "no events: no delivery event matches this filter\n";
  out += "events: " + n(report.events) + "\n\n";
  std::vector<std::vector<std::string>> counts{
      {"", "count", "rate"},
      {"recipients", n(c.recipients), ""},
      {"sent", n(c.sent), ""},
      {"delivered", n(c.delivered), format_rate(rate(c.delivered, c.sent))},
      {"deferred", n(c.deferred), format_rate(rate(c.deferred, c.sent))},
      {"bounced", n(c.bounced), format_rate(rate(c.bounced, c.sent))},
      {"  hard", n(c.hard), format_rate(rate(c.hard, c.sent))},
      {"  soft", n(c.soft), format_rate(rate(c.soft, c.sent))},
      {"complained", n(c.complained), format_rate(rate(c.complained, c.delivered))},
      {"unsubscribed", n(c.unsubscribed), format_rate(rate(c.unsubscribed, c.delivered))},
      {"suppressed", n(c.suppressed), format_rate(rate(c.suppressed, c.sent))}};
  if (c.campaign)
    for (const auto& [name, value] : std::initializer_list<std::pair<const char*, std::int64_t>>{
             {"queued", c.queued}, {"skipped", c.skipped}, {"refused", c.refused}, {"pending", c.pending}})
      counts.push_back({name, n(value), ""});
  out += columns(counts);
  out += "rates: of sent; complained and unsubscribed of delivered\n";
  out += c.identity() + (c.adds_up() ? "\n" : "  (does not add up)\n");

  out += "\nby class (* about the sender: fix the sending, do not suppress the recipient)\n";
  std::vector<std::vector<std::string>> classes{{"class", "hard", "soft", "deferred"}};
  for (const auto& row : report.by_class)
    if (row.hard || row.soft || row.deferred)
      classes.push_back(
          {std::string(to_string(row.bounce_class)) + (is_about_sender(row.bounce_class) ? " *" : ""),
           n(row.hard), n(row.soft), n(row.deferred)});
  out += classes.size() > 1 ? columns(classes) : "no bounces or deferrals\n";

  if (!report.by_provider.empty())
    out += "\nby mailbox provider (MX host)\n" + groups(report.by_provider, "provider");
  if (!report.by_domain.empty()) out += "\nby recipient domain\n" + groups(report.by_domain, "domain");

  if (!report.top_replies.empty()) {
    out += "\ntop replies (normalised)\n";
    std::vector<std::vector<std::string>> replies{{"count", "class", "severity", "reply"}};
    for (const auto& r : report.top_replies)
      replies.push_back({n(r.count), r.bounce_class, r.severity, safe(r.reply, 160)});
    out += columns(replies, "rlll");
  }
  if (!report.over_time.empty()) {
    out += std::string("\nbounces over time (per ") + (report.hourly ? "hour" : "day") + ")\n";
    std::vector<std::vector<std::string>> time{{"from", "hard", "soft"}};
    for (const auto& b : report.over_time)
      time.push_back({format_timestamp(b.start), n(b.hard), n(b.soft)});
    out += columns(time);
  }
  return out;
}

}  // namespace campaigns
