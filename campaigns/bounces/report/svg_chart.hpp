// svg_chart.hpp — the HTML report's charts as inline SVG text (no script, no external resource): stacked
// horizontal bars (one row per label: by class, by provider) and stacked columns over time. Each scales to
// its container's width (viewBox), carries a <title> and role="img", and each segment a data-value.
// Errors: none. Untrusted input: labels (provider names, classes): HTML-escaped here (html_escape of
// campaigns/web/unsubscribe_page.hpp, the one escaping function of campaigns/).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace campaigns {

struct ChartSeries {
  std::string name;
  std::string colour;  // a CSS colour, e.g. "#c62828"
};

struct ChartRow {
  std::string label;
  std::vector<std::int64_t> values;  // one per series
};

std::string svg_bar_chart(std::string_view title, const std::vector<ChartSeries>& series,
                          const std::vector<ChartRow>& rows);
// rows are the columns left to right; only the first and last labels are drawn under the axis.
std::string svg_column_chart(std::string_view title, const std::vector<ChartSeries>& series,
                             const std::vector<ChartRow>& rows);

}  // namespace campaigns
