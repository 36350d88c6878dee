// timestamp.hpp — times as the suppression list's CSV and JSON show them: RFC 3339 in UTC, whole seconds
// ("2024-05-01T12:00:00Z"). parse_timestamp also takes an offset ("+02:00") or Unix seconds, and refuses
// anything else (nothing is guessed) and times outside 1970-01-01 to 9999-12-31, so that what it takes
// format_timestamp writes back in the same form. Untrusted input: the text parsed.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace campaigns {

inline constexpr std::chrono::sys_seconds kLatestTimestamp{
    std::chrono::seconds{253402300799}};  // 9999-12-31T23:59:59Z

std::string format_timestamp(std::chrono::sys_seconds time);
std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view text);

}  // namespace campaigns
