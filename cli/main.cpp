// main.cpp — relayctl's entry point: global flags, the subcommands, and one place that turns every
// outcome (success, check failure, usage error, unexpected exception) into the documented exit code.
#include <exception>
#include <iostream>

#include "cli/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "mta/log/log.hpp"

namespace {

constexpr const char* kFooter = R"(Exit codes: 0 success, 1 a check failed, 2 usage or configuration error,
3 temporary failure (DNS timeout, peer unreachable). Run `relayctl COMMAND --help` for each command.)";

int run(int argc, char** argv) {
  cli::Cli cli;
  CLI::App app{"relayctl — outbound bulk-sending mail transfer agent and deliverability tooling", "relayctl"};
  app.set_version_flag("--version", std::string("relayctl ") + RELAY_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(kFooter);
  app.add_option("--log-format", cli.log_format, "Log line format: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--log-level", cli.log_level, "Lowest level logged: debug, info, warn or error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();

  cli::add_registered_commands(app, cli);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? cli::kOk : cli::kUsage;
  }
  mta::log::configure(*mta::log::parse_format(cli.log_format), *mta::log::parse_level(cli.log_level));
  if (!cli.action) {
    std::cerr << app.help();
    return cli::kUsage;
  }
  return cli.action();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    cli::print_error(std::string("unexpected failure: ") + error.what());
  } catch (...) {
    cli::print_error("unexpected failure");
  }
  return cli::kUsage;
}
