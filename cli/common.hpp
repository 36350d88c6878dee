// common.hpp — what every relayctl subcommand shares: global flags, the --config option, and loading the
// configuration with diagnostics printed the same way everywhere.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

#include "mta/config/config.hpp"
#include "mta/store/database.hpp"

namespace cli {

struct Cli {
  std::string log_format = "text";
  std::string log_level = "info";
  std::function<int()> action;  // set by the subcommand that the command line chose
};

// --config FILE on a subcommand that reads the configuration.
void add_config_option(CLI::App& command, std::string& path);

struct LoadedConfig {
  mta::config::Config config;
  std::string source;  // the file it came from, or "built-in defaults"
};

// Loads --config FILE, else the default file if present, else the built-in defaults. On errors, prints
// each diagnostic to stderr with what to do, and returns nothing (the caller exits with kUsage).
std::optional<LoadedConfig> load_config(const std::string& path);

// "relayctl: error: MESSAGE" on stderr.
void print_error(const std::string& message);

// Writes a file the way a reader never sees half of: write() fills TARGET.tmp.PID beside it, which is then
// renamed over TARGET. False (the error printed, the temporary removed) when it cannot be written.
bool write_file_atomically(const std::filesystem::path& target, const std::function<void(std::ostream&)>& write);

// Prints a database failure; its exit code: kTemporary when another process only held the lock, else kUsage.
int report_store_error(const mta::store::StoreError& error);

// Opens an input file a subcommand was given. False (the error printed, naming it and saying to give
// `expected`, e.g. "a CSV file") when it is missing, not a regular file or unreadable.
bool open_input_file(const std::string& path, std::ifstream& file, const std::string& expected);

}  // namespace cli
