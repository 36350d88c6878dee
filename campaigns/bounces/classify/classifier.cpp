// classifier.cpp — loads rules through mta/config's read_bounce_rule (one reader for the file and the
// config), compiles each text pattern once with RE2, and matches replies against them in order.
#include "campaigns/bounces/classify/classifier.hpp"

#include <fstream>
#include <re2/re2.h>
#include <set>
#include <sstream>
#include <system_error>

#include <toml++/toml.h>

namespace campaigns {
namespace {

using mta::config::Diagnostic;
using mta::config::TableReader;

constexpr std::uintmax_t kMaxRulesFileBytes = 1024 * 1024;
constexpr int kMaxPatternProgramBytes = 1 << 20;  // RE2's compiled-program budget for one pattern

// A status pattern as parts: -1 for "*" or a part left out (any value).
std::array<int, 3> status_pattern(std::string_view text) {
  std::array<int, 3> out{-1, -1, -1};
  std::size_t index = 0;
  for (std::size_t start = 0; index < 3 && start <= text.size(); ++index) {
    auto dot = text.find('.', start);
    auto part = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part != "*") {
      int value = 0;
      for (char c : part)
        value = value * 10 + (c - '0');
      out[index] = value;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

}  // namespace

struct Classifier::Rule {
  std::string name;
  BounceClass bounce_class = BounceClass::other;
  Severity severity = Severity::soft;
  std::vector<std::string> codes;
  std::vector<std::array<int, 3>> statuses;
  std::unique_ptr<re2::RE2> text;  // null: no text condition
};

Classifier::Classifier() = default;
Classifier::Classifier(Classifier&&) noexcept = default;
Classifier& Classifier::operator=(Classifier&&) noexcept = default;
Classifier::~Classifier() = default;

std::size_t Classifier::rule_count() const {
  return rules_.size();
}

namespace {

// Compiles one checked rule; a bad pattern becomes a diagnostic at its text.
template <typename Rule>
std::optional<Rule> compile(const RuleSpec& spec, const std::string& key, std::vector<Diagnostic>& errors) {
  Rule rule;
  rule.name = spec.name;
  rule.bounce_class = parse_bounce_class(spec.bounce_class).value_or(BounceClass::other);
  rule.severity = parse_severity(spec.severity).value_or(Severity::soft);
  rule.codes = spec.codes;
  for (const auto& status : spec.statuses)
    rule.statuses.push_back(status_pattern(status));
  if (!spec.text.empty()) {
    re2::RE2::Options options;
    options.set_case_sensitive(false);
    options.set_log_errors(false);
    options.set_max_mem(kMaxPatternProgramBytes);
    rule.text = std::make_unique<re2::RE2>(spec.text, options);
    if (!rule.text->ok()) {
      errors.push_back({spec.text_line, spec.text_column, key,
                        "rule \"" + spec.name + "\": the pattern does not compile (" + rule.text->error() +
                            "); RE2 syntax has no backreferences or lookaround, and \\ must be doubled "
                            "inside TOML's \"...\" (or use '...')"});
      return std::nullopt;
    }
  }
  return rule;
}

}  // namespace

ClassifierLoad Classifier::load_text(std::string_view rules_text, std::string source,
                                     std::span<const RuleSpec> extra) {
  ClassifierLoad result;
  result.source = std::move(source);
  toml::table document;
  try {
    document = toml::parse(rules_text, result.source);
  } catch (const toml::parse_error& error) {
    result.errors.push_back(
        {error.source().begin.line, error.source().begin.column, "", std::string(error.description())});
    return result;
  }
  std::vector<RuleSpec> specs;
  TableReader root(document, "", result.errors);
  std::set<std::string, std::less<>> names;
  for (auto& item : root.tables("rule")) {
    auto spec = read_bounce_rule(item);
    if (!spec) continue;
    if (!names.insert(spec->name).second)
      item.error("name", "a second rule named \"" + spec->name + "\"; give each rule its own name");
    specs.push_back(std::move(*spec));
  }
  root.finish();
  if (specs.empty() && result.errors.empty())
    result.errors.push_back({0, 0, "rule", "no [[rule]] tables: the file classifies nothing"});

  Classifier classifier;
  for (std::size_t i = 0; i < extra.size(); ++i)
    if (auto rule =
            compile<Rule>(extra[i], "bounces.rule[" + std::to_string(i) + "].text", result.extra_errors))
      classifier.rules_.push_back(std::move(*rule));
  for (const auto& spec : specs)
    if (auto rule = compile<Rule>(spec, "rule.text", result.errors))
      classifier.rules_.push_back(std::move(*rule));
  if (result.errors.empty() && result.extra_errors.empty()) result.classifier = std::move(classifier);
  return result;
}

ClassifierLoad Classifier::load(const std::filesystem::path& rules_file, std::span<const RuleSpec> extra) {
  ClassifierLoad result;
  result.source = rules_file.string();
  std::error_code ec;
  auto status = std::filesystem::status(rules_file, ec);
  std::string problem;
  if (ec || !std::filesystem::exists(status))
    problem =
        "no such file; reinstall relayctl (bounce-rules.toml is installed beside it) or set [bounces] "
        "rules_file";
  else if (!std::filesystem::is_regular_file(status))
    problem = "not a regular file";
  else if (std::filesystem::file_size(rules_file, ec) > kMaxRulesFileBytes)
    problem = "larger than 1 MiB; a rules file is a few hundred rules";
  std::ifstream in(rules_file, std::ios::binary);
  if (problem.empty() && !in) problem = "cannot be read by this user";
  if (!problem.empty()) {
    result.errors.push_back({0, 0, "", "cannot load the bounce rules: " + problem});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_text(text.str(), rules_file.string(), extra);
}

const Classifier::Rule* Classifier::match(const ReplyParts& parts) const {
  std::string code = parts.code ? std::to_string(*parts.code) : std::string();
  for (const auto& rule : rules_) {
    if (!rule.codes.empty()) {
      bool any = false;
      for (const auto& prefix : rule.codes)
        any = any || (!code.empty() && code.starts_with(prefix));
      if (!any) continue;
    }
    if (!rule.statuses.empty()) {
      bool any = false;
      for (const auto& pattern : rule.statuses) {
        bool fits = parts.status.has_value();
        for (std::size_t i = 0; fits && i < 3; ++i)
          fits = pattern[i] < 0 || pattern[i] == (*parts.status)[i];
        any = any || fits;
      }
      if (!any) continue;
    }
    if (rule.text && !re2::RE2::PartialMatch(parts.text, *rule.text)) continue;
    return &rule;
  }
  return nullptr;
}

Classification Classifier::classify(std::string_view reply) const {
  ReplyParts parts = split_reply(reply);
  if (const Rule* rule = match(parts)) return {rule->bounce_class, rule->severity, rule->name};
  bool permanent =
      (parts.code && *parts.code >= 500) || (!parts.code && parts.status && (*parts.status)[0] == 5);
  return {BounceClass::other, permanent ? Severity::hard : Severity::soft, std::string(kNoRuleMatched)};
}

std::filesystem::path default_rules_path() {
  std::error_code ec;
  auto binary = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::filesystem::path dir = ec ? std::filesystem::current_path(ec) : binary.parent_path();
  std::filesystem::path beside = dir / "bounce-rules.toml";
  std::filesystem::path shared = dir.parent_path() / "share" / "relayctl" / "bounce-rules.toml";
  if (std::filesystem::exists(beside, ec)) return beside;
  if (std::filesystem::exists(shared, ec)) return shared;
  return beside;
}

ClassifierLoad load_classifier(const mta::config::BouncesConfig& bounces) {
  return Classifier::load(bounces.rules_file.empty() ? default_rules_path() : bounces.rules_file, bounces.rules);
}

}  // namespace campaigns
