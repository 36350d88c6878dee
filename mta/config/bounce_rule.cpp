#include "mta/config/bounce_rule.hpp"

#include <algorithm>

namespace mta::config {
namespace {

constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxPatternBytes = 2000;

bool is_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_rule_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameBytes && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

std::string class_list() {
  std::string out;
  for (auto name : kBounceClassNames)
    out += (out.empty() ? "\"" : ", \"") + std::string(name) + "\"";
  return out;
}

}  // namespace

std::string bounce_code_problem(std::string_view code) {
  if (is_digits(code) && code.size() <= 3 && (code.front() == '4' || code.front() == '5')) return "";
  return "\"" + std::string(code) +
         "\" is not a failure reply code; write 3 digits (\"550\") or a prefix of them (\"55\", \"5\"), "
         "starting with 4 or 5";
}

std::string bounce_status_problem(std::string_view status) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto dot = status.find('.', start);
    parts.push_back(
        status.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  bool good = parts.size() <= 3 && (parts[0] == "4" || parts[0] == "5" || parts[0] == "*");
  for (std::size_t i = 1; good && i < parts.size(); ++i)
    good = parts[i] == "*" || (is_digits(parts[i]) && parts[i].size() <= 3);
  if (good) return "";
  return "\"" + std::string(status) +
         "\" is not an enhanced status code pattern; write \"5.1.1\", \"5.1.*\" or \"5.1\" (any detail), "
         "\"5\" (the class) or \"*.2.2\" (4.2.2 and 5.2.2)";
}

std::optional<BounceRule> read_bounce_rule(TableReader& t) {
  BounceRule rule;
  bool good = true;
  auto fail = [&](std::string_view key, std::string message) {
    t.error(key, std::move(message));
    good = false;
  };
  if (!t.read("name", rule.name)) {
    if (!t.has("name"))
      t.error_here("missing key 'name': every rule needs a name, e.g. name = \"gmail-no-such-user\"");
    good = false;
  } else if (!is_rule_name(rule.name)) {
    fail("name", "\"" + rule.name + "\" is not a rule name; use 1 to 64 letters, digits, '-', '_' or '.'");
  }
  if (!t.read("class", rule.bounce_class)) {
    if (!t.has("class")) t.error_here("missing key 'class': one of " + class_list());
    good = false;
  } else if (std::find(kBounceClassNames.begin(), kBounceClassNames.end(), rule.bounce_class) ==
             kBounceClassNames.end()) {
    fail("class", "\"" + rule.bounce_class + "\" is not a bounce class; use one of " + class_list());
  }
  if (!t.read("severity", rule.severity)) {
    if (!t.has("severity")) t.error_here("missing key 'severity': \"hard\" or \"soft\"");
    good = false;
  } else if (rule.severity != "hard" && rule.severity != "soft") {
    fail("severity", "\"" + rule.severity + "\" is not a severity; use \"hard\" or \"soft\"");
  }
  // A value of the wrong type is reported by string_or_strings; it must not also count as "no condition".
  auto read_list = [&](std::string_view key, std::vector<std::string>& out,
                       std::string (*problem_of)(std::string_view)) {
    const toml::node* node = t.node(key);
    auto items = t.string_or_strings(key);
    std::size_t expected = node && node->is_array() ? node->as_array()->size() : (node ? 1 : 0);
    if (items.size() != expected || (node && !node->is_string() && !node->is_array())) good = false;
    for (auto& [value, at] : items) {
      if (auto problem = problem_of(value); !problem.empty()) {
        t.error_at(*at, t.key_path(key), problem);
        good = false;
      }
      out.push_back(value);
    }
  };
  read_list("code", rule.codes, bounce_code_problem);
  read_list("status", rule.statuses, bounce_status_problem);
  if (t.read("text", rule.text)) {
    const toml::node* node = t.node("text");
    rule.text_line = node->source().begin.line;
    rule.text_column = node->source().begin.column;
    if (rule.text.empty())
      fail("text", "an empty pattern matches everything; remove text, or write what the reply says");
    else if (rule.text.size() > kMaxPatternBytes)
      fail("text", "the pattern is longer than 2000 octets; split the rule in two");
  }
  if (good && rule.codes.empty() && rule.statuses.empty() && !t.has("text")) {
    t.error_here(
        "the rule \"" + rule.name +
        "\" has no condition; give it at least one of code, status or text (a catch-all: code = \"5\")");
    good = false;
  }
  t.finish();
  if (!good) return std::nullopt;
  return rule;
}

}  // namespace mta::config
