#include "cli/common.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "cli/exit_code.hpp"
#include "mta/config/config_loader.hpp"

namespace cli {

void add_config_option(CLI::App& command, std::string& path) {
  command
      .add_option("--config", path,
                  "Configuration file (TOML). Default: " + std::string(mta::config::kDefaultConfigPath) +
                      " if it exists, else the built-in defaults (loopback listeners only)")
      ->type_name("FILE");
}

void print_error(const std::string& message) {
  std::cerr << "relayctl: error: " << message << "\n";
}

bool write_file_atomically(const std::filesystem::path& target, const std::function<void(std::ostream&)>& write) {
  std::filesystem::path temporary = target;
  temporary += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (out) write(out);
    if (!out || !out.flush()) {
      print_error("cannot write " + temporary.string() + ": " + std::strerror(errno));
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, target, ec);
  if (ec) {
    print_error("cannot write " + target.string() + ": " + ec.message());
    std::filesystem::remove(temporary, ec);
    return false;
  }
  return true;
}

int report_store_error(const mta::store::StoreError& error) {
  print_error(std::string(error.what()) +
              (error.busy() ? "; another process holds the database, try again" : ""));
  return error.busy() ? kTemporary : kUsage;
}

bool open_input_file(const std::string& path, std::ifstream& file, const std::string& expected) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    print_error("cannot import " + path + ": " +
                (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file") +
                "; give the path of " + expected + " (or - for stdin)");
    return false;
  }
  file.open(path, std::ios::binary);
  if (!file) {
    print_error("cannot read " + path + ": " + std::strerror(errno));
    return false;
  }
  return true;
}

std::optional<LoadedConfig> load_config(const std::string& path) {
  std::optional<std::filesystem::path> file;
  if (!path.empty())
    file = path;
  else
    file = mta::config::default_config_file();
  if (!file) return LoadedConfig{mta::config::default_config(), "built-in defaults"};

  auto result = mta::config::load_config_file(*file);
  if (result.config) return LoadedConfig{std::move(*result.config), result.source};
  for (const auto& diagnostic : result.errors)
    print_error(mta::config::format_diagnostic(result.source, diagnostic));
  std::cerr
      << "relayctl: " << result.errors.size() << (result.errors.size() == 1 ? " error" : " errors") << " in "
      << result.source << "; fix " << (result.errors.size() == 1 ? "it" : "them")
      << " (docs/configuration.md lists every key) and check again with `relayctl config check --config "
      << result.source << "`\n";
  return std::nullopt;
}

}  // namespace cli
