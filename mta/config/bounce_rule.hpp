// bounce_rule.hpp — one bounce classification rule as TOML spells it: a [[rule]] table of the shipped
// campaigns/bounces/classify/bounce-rules.toml or a [[bounces.rule]] table of the config. Plain strings
// (relay_mta cannot see campaigns' types); read_bounce_rule checks everything but the RE2 syntax of `text`,
// which campaigns/bounces/classify compiles and reports. Untrusted input: the TOML table (already parsed).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/config/toml_reader.hpp"

namespace mta::config {

struct BounceRule {
  std::string name;
  std::string bounce_class;           // one of kBounceClassNames
  std::string severity;               // "hard" | "soft"
  std::vector<std::string> codes;     // reply codes or their prefixes: "550", "55", "5"
  std::vector<std::string> statuses;  // RFC 3463 codes: "5.1.1", "5.1.*" or "5.1" (any detail), "*.2.2"
  std::string text;                   // an RE2 pattern, searched case-insensitively in the reply text
  std::uint32_t text_line = 0;        // where `text` was read, for pattern errors; 0 when unknown
  std::uint32_t text_column = 0;
};

// The names of campaigns::BounceClass (campaigns/bounces/bounce_class.hpp), which a test keeps equal.
inline constexpr std::array<std::string_view, 13> kBounceClassNames{
    "invalid-recipient", "bad-domain",       "mailbox-full", "message-too-large", "spam-block",
    "policy-auth",       "rate-limited",     "greylisted",   "dns-failure",       "tls-failure",
    "relay-denied",      "mailbox-disabled", "other"};

// Pure checks of one condition, an empty string when good, else what is wrong and what to write instead.
std::string bounce_code_problem(std::string_view code);
std::string bounce_status_problem(std::string_view status);

// Reads name, class, severity, code, status and text (code and status: a string or an array of strings),
// and finish()es the table. Every problem becomes a diagnostic; nothing is returned when there was one.
std::optional<BounceRule> read_bounce_rule(TableReader& table);

}  // namespace mta::config
