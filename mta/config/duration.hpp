// duration.hpp — the duration and rate notations of the config file: "30s", "5m", "1h30m", "5d";
// "100/s", "6000/m", "500/h" (a count per unit). Pure parsing. Untrusted input: config values.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mta::config {

// One or more <number><unit> groups, units s, m, h, d, each at most once and in that order of size
// (largest first). Returns nothing on any other text or on overflow past 10 years.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);
// The shortest text parse_duration reads back as the same value ("90s" -> "1m30s", 0 -> "0s").
std::string format_duration(std::chrono::seconds value);

}  // namespace mta::config
