// classifier.hpp — classifies an SMTP reply ("550 5.1.1 no such user", "421-4.7.0 ...", or a local
// diagnostic without a code such as "TLS handshake failed: ...") by data: the rules of the shipped
// bounce-rules.toml, after any extra rules from the config; the first rule that matches wins.
// Errors: a missing or bad rules file or a bad extra rule is a load error with file, line, column and fix.
// Untrusted input: the reply (any bytes; only its first kMaxReplyBytes are looked at, patterns are RE2,
// linear in the input) and the rules file. classify() is const and safe to call from many threads.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/bounces/bounce_class.hpp"
#include "campaigns/bounces/classify/reply_parts.hpp"
#include "mta/config/bounce_rule.hpp"
#include "mta/config/config.hpp"
#include "mta/config/toml_reader.hpp"

namespace re2 {
class RE2;
}

namespace campaigns {

using RuleSpec = mta::config::BounceRule;

// The rule name reported when no rule matches (a rules file without catch-alls): 5xx is hard, else soft.
inline constexpr std::string_view kNoRuleMatched = "no-rule-matched";

struct ClassifierLoad;

class Classifier {
 public:
  // extra (the config's [[bounces.rule]]) are checked before the file's rules.
  static ClassifierLoad load(const std::filesystem::path& rules_file, std::span<const RuleSpec> extra);
  static ClassifierLoad load_text(std::string_view rules_text, std::string source,
                                  std::span<const RuleSpec> extra);

  Classification classify(std::string_view reply) const;
  std::size_t rule_count() const;

  Classifier(Classifier&&) noexcept;
  Classifier& operator=(Classifier&&) noexcept;
  ~Classifier();

 private:
  struct Rule;
  Classifier();
  const Rule* match(const ReplyParts& parts) const;

  std::vector<Rule> rules_;
};

struct ClassifierLoad {
  std::optional<Classifier> classifier;               // set when there are no errors
  std::string source;                                 // the rules file, for errors
  std::vector<mta::config::Diagnostic> errors;        // in the rules file
  std::vector<mta::config::Diagnostic> extra_errors;  // in the extra rules (the config's [[bounces.rule]])
};

// Each error as "FILE:LINE:COLUMN: KEY: MESSAGE"; extra_source names where the extra rules came from.
std::vector<std::string> format_errors(const ClassifierLoad& load, const std::string& extra_source);

// The shipped rules file: <dir of the running binary>/bounce-rules.toml, else
// <dir>/../share/relayctl/bounce-rules.toml; when neither exists, the first (so errors name a path).
std::filesystem::path default_rules_path();

// The classifier [bounces] asks for: its rules_file (or the shipped one) after its [[bounces.rule]].
ClassifierLoad load_classifier(const mta::config::BouncesConfig& bounces);

}  // namespace campaigns
