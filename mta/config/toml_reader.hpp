// toml_reader.hpp — reads one TOML table against what the config expects, collecting diagnostics.
// Each read_* marks its key as known and leaves the target untouched when the key is absent (the default
// stays). A wrong type or value becomes a Diagnostic with the line and column of the offending value and
// the dotted key path ("server.listener[1].port"). finish() reports every key nobody asked for.
// Untrusted input: the parsed TOML document (already syntactically valid).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace mta::config {

struct Diagnostic {
  std::uint32_t line = 0;  // 1-based; 0 when unknown
  std::uint32_t column = 0;
  std::string key;  // dotted path, empty for whole-file errors
  std::string message;
};

class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, std::vector<Diagnostic>& diagnostics);

  bool read(std::string_view key, std::string& out);
  bool read(std::string_view key, bool& out);
  bool read(std::string_view key, std::vector<std::string>& out);
  bool read_integer(std::string_view key, long long min, long long max, long long& out);
  bool read_duration(std::string_view key, std::chrono::seconds& out);
  // An integer or a floating-point number from min to max.
  bool read_number(std::string_view key, double min, double max, double& out);

  // A string value checked by parse: parse returns an error message, empty when the value is good.
  bool read_checked(std::string_view key, std::string& out,
                    const std::function<std::string(const std::string&)>& check);

  // A sub-table ([server.tls]), or nothing when absent or not a table (then a diagnostic).
  std::optional<TableReader> table(std::string_view key);
  // An array of tables ([[server.listener]]); a key holding anything else is a diagnostic.
  std::vector<TableReader> tables(std::string_view key);
  // Every element of an array of strings, each with its own node for diagnostics.
  std::vector<std::pair<std::string, const toml::node*>> strings(std::string_view key);
  // One string or an array of them ("550" or ["550", "551"]), each with its node; empty when absent.
  std::vector<std::pair<std::string, const toml::node*>> string_or_strings(std::string_view key);
  // A key's value node, for its position; nullptr when absent.
  const toml::node* node(std::string_view key) const { return table_.get(key); }

  bool has(std::string_view key) const { return table_.contains(key); }
  const std::string& path() const { return path_; }
  std::string key_path(std::string_view key) const;

  // Diagnostics at a key's value, at any node, or at this table's header.
  void error(std::string_view key, std::string message);
  void error_at(const toml::node& node, std::string key_path, std::string message);
  void error_here(std::string message);

  // Reports keys that no read_* asked for, suggesting a known key when one is close.
  void finish();

 private:
  const toml::node* lookup(std::string_view key, toml::node_type expected, std::string_view expected_text);

  const toml::table& table_;
  std::string path_;
  std::vector<Diagnostic>& diagnostics_;
  std::set<std::string, std::less<>> known_;
};

std::string_view describe_type(toml::node_type type);

}  // namespace mta::config
