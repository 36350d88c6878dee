// config_command.cpp — `relayctl config check`: validate a configuration file, print the effective one.
#include <iostream>

#include <toml++/toml.h>

#include "cli/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "mta/config/config_writer.hpp"

namespace cli {
namespace {

void add_config_command(CLI::App& app, Cli& cli) {
  auto* config = app.add_subcommand("config", "Inspect and validate the configuration");
  config->require_subcommand(1);

  struct Options {
    std::string path;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto* check = config->add_subcommand(
      "check",
      "Validate the configuration and print the effective configuration (every key, defaults included) "
      "on stdout. Exit 0 when valid, 2 with each error's file, line and key when not.");
  add_config_option(*check, options->path);
  check->add_flag("--json", options->json, "Print the effective configuration as one JSON object");
  check->callback([&cli, options] {
    cli.action = [options] {
      auto loaded = load_config(options->path);
      if (!loaded) return kUsage;
      std::cerr << "relayctl: " << loaded->source << ": configuration is valid\n";
      toml::table table = mta::config::to_toml(loaded->config);
      if (options->json)
        std::cout << toml::json_formatter{table} << "\n";
      else
        std::cout << table << "\n";
      return kOk;
    };
  });
}

const Registration kRegistration{90, add_config_command};

}  // namespace
}  // namespace cli
