// report_time.hpp — the --since and --until values of `bounces report`: an RFC 3339 time or Unix seconds
// (campaigns/formats/timestamp), or a span back from now: a positive whole number and a unit, s, m, h, d or
// w ("7d": seven days ago). Errors: nothing for anything else (the caller names the flag and the forms).
// Untrusted input: the text, from the command line.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace campaigns {

inline constexpr std::string_view kReportTimeForms =
    "an RFC 3339 time like 2024-05-01T12:00:00Z, Unix seconds, or a span back from now like 30m, 12h, 7d or "
    "2w";

std::optional<std::chrono::sys_seconds> parse_report_time(std::string_view text,
                                                          std::chrono::sys_seconds now);

}  // namespace campaigns
