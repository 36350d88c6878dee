// config_loader.hpp — turns a TOML file into a checked Config, or into diagnostics a user can act on.
// Every problem is reported, not just the first: syntax errors (toml++), unknown keys, wrong types,
// bad values, broken cross-references (a pool naming an undefined source) and missing files (TLS and
// DKIM keys). Each Diagnostic names the line, column and key. Untrusted input: the file's text.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mta/config/config.hpp"
#include "mta/config/toml_reader.hpp"

namespace mta::config {

inline constexpr std::string_view kDefaultConfigPath = "/etc/relayctl/relayctl.toml";

struct LoadOptions {
  bool check_files = true;  // do the certificate, key and secret files named in the config exist (and fit)?
};

struct LoadResult {
  std::optional<Config> config;  // set when there are no errors
  std::vector<Diagnostic> errors;
  std::string source;  // the file name the diagnostics refer to
};

LoadResult load_config_text(std::string_view text, std::string source, const LoadOptions& options = {});
LoadResult load_config_file(const std::filesystem::path& path, const LoadOptions& options = {});

// The built-in configuration: Config{} with the machine's host name.
Config default_config();

// Where the configuration comes from when --config is not given: the default path if it exists.
std::optional<std::filesystem::path> default_config_file();

// "FILE:LINE:COLUMN: KEY: MESSAGE", the form editors and compilers use.
std::string format_diagnostic(const std::string& source, const Diagnostic& diagnostic);

}  // namespace mta::config
