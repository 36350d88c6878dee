#include "campaigns/bounces/report/svg_chart.hpp"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "campaigns/web/unsubscribe_page.hpp"  // html_escape

namespace campaigns {
namespace {

std::string num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", value);
  return buffer;
}

std::int64_t total(const ChartRow& row) {
  return std::accumulate(row.values.begin(), row.values.end(), std::int64_t{0});
}

std::string cut(std::string_view label, std::size_t max) {
  if (label.size() <= max) return std::string(label);
  std::string out(label.substr(0, max - 1));
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
    out.pop_back();
  if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  return out + "…";
}

std::string legend(const std::vector<ChartSeries>& series, double y) {
  std::string out;
  double x = 8;
  for (const auto& s : series) {
    out += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"12\" height=\"12\" fill=\"" +
           html_escape(s.colour) + "\"/><text x=\"" + num(x + 16) + "\" y=\"" + num(y + 11) + "\">" +
           html_escape(s.name) + "</text>";
    x += 24 + 7.0 * static_cast<double>(s.name.size());
  }
  return out;
}

std::string open_svg(std::string_view title, double height, std::string_view kind) {
  return "<svg class=\"chart\" data-chart=\"" + html_escape(kind) + "\" viewBox=\"0 0 420 " + num(height) +
         "\" role=\"img\" aria-label=\"" + html_escape(title) + "\"><title>" + html_escape(title) +
         "</title>";
}

}  // namespace

std::string svg_bar_chart(std::string_view title, const std::vector<ChartSeries>& series,
                          const std::vector<ChartRow>& rows) {
  // 420 units wide: about a phone's width, so its 12-unit text reads at nearly 12 px there.
  constexpr double kLabel = 166, kBarStart = 172, kBarWidth = 208, kRow = 24, kTop = 26;
  std::int64_t max = 1;
  for (const auto& row : rows)
    max = std::max(max, total(row));
  double height = kTop + kRow * static_cast<double>(rows.size()) + 8;
  std::string out = open_svg(title, height, "bars") + legend(series, 6);
  double y = kTop;
  for (const auto& row : rows) {
    out += "<g class=\"bar\" data-label=\"" + html_escape(row.label) + "\" data-total=\"" +
           std::to_string(total(row)) + "\"><text x=\"" + num(kLabel) + "\" y=\"" + num(y + 15) +
           "\" text-anchor=\"end\">" + html_escape(cut(row.label, 24)) + "</text>";
    double x = kBarStart;
    for (std::size_t i = 0; i < row.values.size() && i < series.size(); ++i) {
      double w = kBarWidth * static_cast<double>(row.values[i]) / static_cast<double>(max);
      if (row.values[i] > 0)
        out += "<rect x=\"" + num(x) + "\" y=\"" + num(y + 3) + "\" width=\"" + num(w) + "\" height=\"" +
               num(kRow - 6) + "\" fill=\"" + html_escape(series[i].colour) + "\" data-series=\"" +
               html_escape(series[i].name) + "\" data-value=\"" + std::to_string(row.values[i]) + "\"/>";
      x += w;
    }
    out += "<text x=\"" + num(x + 4) + "\" y=\"" + num(y + 15) + "\">" + std::to_string(total(row)) +
           "</text></g>";
    y += kRow;
  }
  return out + "</svg>";
}

std::string svg_column_chart(std::string_view title, const std::vector<ChartSeries>& series,
                             const std::vector<ChartRow>& rows) {
  constexpr double kLeft = 34, kRight = 410, kTop = 26, kBottom = 172, kHeight = 200;
  std::int64_t max = 1;
  for (const auto& row : rows)
    max = std::max(max, total(row));
  std::string out = open_svg(title, kHeight, "columns") + legend(series, 6);
  out += "<line x1=\"" + num(kLeft) + "\" y1=\"" + num(kBottom) + "\" x2=\"" + num(kRight) + "\" y2=\"" +
         num(kBottom) + "\" stroke=\"#888\"/>";
  out += "<text x=\"" + num(kLeft - 4) + "\" y=\"" + num(kTop + 10) + "\" text-anchor=\"end\">" +
         std::to_string(max) + "</text><text x=\"" + num(kLeft - 4) + "\" y=\"" + num(kBottom) +
         "\" text-anchor=\"end\">0</text>";
  double step = rows.empty() ? 0 : (kRight - kLeft) / static_cast<double>(rows.size());
  double x = kLeft;
  for (const auto& row : rows) {
    out += "<g class=\"column\" data-label=\"" + html_escape(row.label) + "\" data-total=\"" +
           std::to_string(total(row)) + "\"><title>" + html_escape(row.label) + ": " +
           std::to_string(total(row)) + "</title>";
    double y = kBottom;
    for (std::size_t i = 0; i < row.values.size() && i < series.size(); ++i) {
      double h = (kBottom - kTop) * static_cast<double>(row.values[i]) / static_cast<double>(max);
      y -= h;
      if (row.values[i] > 0)
        out += "<rect x=\"" + num(x + step * 0.1) + "\" y=\"" + num(y) + "\" width=\"" +
               num(std::max(step * 0.8, 0.5)) + "\" height=\"" + num(h) + "\" fill=\"" +
               html_escape(series[i].colour) + "\" data-series=\"" + html_escape(series[i].name) +
               "\" data-value=\"" + std::to_string(row.values[i]) + "\"/>";
    }
    out += "</g>";
    x += step;
  }
  if (!rows.empty()) {
    out += "<text x=\"" + num(kLeft) + "\" y=\"" + num(kBottom + 16) + "\">" +
           html_escape(rows.front().label) + "</text>";
    if (rows.size() > 1)
      out += "<text x=\"" + num(kRight) + "\" y=\"" + num(kBottom + 16) + "\" text-anchor=\"end\">" +
             html_escape(rows.back().label) + "</text>";
  }
  return out + "</svg>";
}

}  // namespace campaigns
