#include "mta/config/toml_reader.hpp"

#include <sstream>

#include <algorithm>

#include "mta/config/duration.hpp"

namespace mta::config {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

Diagnostic at(const toml::source_region& where, std::string key, std::string message) {
  return {where.begin.line, where.begin.column, std::move(key), std::move(message)};
}

}  // namespace

std::string_view describe_type(toml::node_type type) {
  switch (type) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

TableReader::TableReader(const toml::table& table, std::string path, std::vector<Diagnostic>& diagnostics)
    : table_(table), path_(std::move(path)), diagnostics_(diagnostics) {}

std::string TableReader::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void TableReader::error(std::string_view key, std::string message) {
  const toml::node* node = table_.get(key);
  diagnostics_.push_back(at(node ? node->source() : table_.source(), key_path(key), std::move(message)));
}

void TableReader::error_at(const toml::node& node, std::string key_path, std::string message) {
  diagnostics_.push_back(at(node.source(), std::move(key_path), std::move(message)));
}

void TableReader::error_here(std::string message) {
  diagnostics_.push_back(at(table_.source(), path_, std::move(message)));
}

const toml::node* TableReader::lookup(std::string_view key, toml::node_type expected,
                                      std::string_view expected_text) {
  known_.emplace(key);
  const toml::node* node = table_.get(key);
  if (!node) return nullptr;
  if (node->type() != expected) {
    error(key,
          "expected " + std::string(expected_text) + ", got " + std::string(describe_type(node->type())));
    return nullptr;
  }
  return node;
}

bool TableReader::read(std::string_view key, std::string& out) {
  const toml::node* node = lookup(key, toml::node_type::string, "a string");
  if (!node) return false;
  out = **node->as_string();
  return true;
}

bool TableReader::read(std::string_view key, bool& out) {
  const toml::node* node = lookup(key, toml::node_type::boolean, "true or false");
  if (!node) return false;
  out = **node->as_boolean();
  return true;
}

bool TableReader::read(std::string_view key, std::vector<std::string>& out) {
  if (!table_.contains(key)) {
    known_.emplace(key);
    return false;
  }
  auto items = strings(key);
  if (!table_.get(key)->is_array()) return false;
  out.clear();
  for (auto& [text, node] : items)
    out.push_back(std::move(text));
  return true;
}

bool TableReader::read_integer(std::string_view key, long long min, long long max, long long& out) {
  const toml::node* node = lookup(key, toml::node_type::integer, "an integer");
  if (!node) return false;
  long long value = **node->as_integer();
  if (value < min || value > max) {
    error(key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " +
                   std::to_string(value));
    return false;
  }
  out = value;
  return true;
}

bool TableReader::read_number(std::string_view key, double min, double max, double& out) {
  const toml::node* node = table_.get(key);
  known_.insert(std::string(key));
  if (!node) return false;
  double value = 0;
  if (auto i = node->as_integer())
    value = static_cast<double>(**i);
  else if (auto f = node->as_floating_point())
    value = **f;
  else {
    error(key, "expected a number, got " + std::string(describe_type(node->type())));
    return false;
  }
  if (!(value >= min && value <= max)) {
    std::ostringstream range;
    range << "expected a number from " << min << " to " << max << ", got " << value;
    error(key, range.str());
    return false;
  }
  out = value;
  return true;
}

bool TableReader::read_duration(std::string_view key, std::chrono::seconds& out) {
  const toml::node* node =
      lookup(key, toml::node_type::string, "a duration string such as \"30s\", \"5m\" or \"1h30m\"");
  if (!node) return false;
  const std::string& text = **node->as_string();
  auto value = parse_duration(text);
  if (!value) {
    error(key, "\"" + text +
                   "\" is not a duration; write a number with a unit: s, m, h or d (e.g. \"5m\", \"1h30m\")");
    return false;
  }
  out = *value;
  return true;
}

bool TableReader::read_checked(std::string_view key, std::string& out,
                               const std::function<std::string(const std::string&)>& check) {
  std::string value;
  if (!read(key, value)) return false;
  if (std::string problem = check(value); !problem.empty()) {
    error(key, std::move(problem));
    return false;
  }
  out = std::move(value);
  return true;
}

std::optional<TableReader> TableReader::table(std::string_view key) {
  const toml::node* node = lookup(key, toml::node_type::table, "a table");
  if (!node) return std::nullopt;
  return TableReader(*node->as_table(), key_path(key), diagnostics_);
}

std::vector<TableReader> TableReader::tables(std::string_view key) {
  std::vector<TableReader> out;
  const toml::node* node =
      lookup(key, toml::node_type::array, "an array of tables ([[" + key_path(key) + "]])");
  if (!node) return out;
  const toml::array& array = *node->as_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    std::string item_path = key_path(key) + "[" + std::to_string(i) + "]";
    if (const toml::table* item = array[i].as_table())
      out.emplace_back(*item, item_path, diagnostics_);
    else
      error_at(array[i], item_path, "expected a table, got " + std::string(describe_type(array[i].type())));
  }
  return out;
}

std::vector<std::pair<std::string, const toml::node*>> TableReader::strings(std::string_view key) {
  std::vector<std::pair<std::string, const toml::node*>> out;
  const toml::node* node = lookup(key, toml::node_type::array, "an array of strings");
  if (!node) return out;
  const toml::array& array = *node->as_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (const auto* text = array[i].as_string())
      out.emplace_back(**text, &array[i]);
    else
      error_at(array[i], key_path(key) + "[" + std::to_string(i) + "]",
               "expected a string, got " + std::string(describe_type(array[i].type())));
  }
  return out;
}

std::vector<std::pair<std::string, const toml::node*>> TableReader::string_or_strings(std::string_view key) {
  const toml::node* node = table_.get(key);
  if (node && node->is_string()) {
    known_.emplace(key);
    return {{**node->as_string(), node}};
  }
  if (node && !node->is_array()) {
    known_.emplace(key);
    error(key, "expected a string or an array of strings, got " + std::string(describe_type(node->type())));
    return {};
  }
  return strings(key);
}

void TableReader::finish() {
  for (auto&& [key, node] : table_) {
    std::string_view name = key.str();
    if (known_.contains(name)) continue;
    std::string message = "unknown key '" + std::string(name) + "'";
    std::string_view closest;
    std::size_t best = 3;
    for (const auto& candidate : known_) {
      std::size_t d = edit_distance(name, candidate);
      if (d < best) best = d, closest = candidate;
    }
    if (!closest.empty()) {
      message += "; did you mean '" + std::string(closest) + "'?";
    } else if (!known_.empty()) {
      message += "; keys allowed here: ";
      bool first = true;
      for (const auto& candidate : known_)
        message += (first ? "" : ", ") + candidate, first = false;
    }
    diagnostics_.push_back(at(key.source(), key_path(name), std::move(message)));
  }
}

}  // namespace mta::config
