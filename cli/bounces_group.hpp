// bounces_group.hpp — the `relayctl bounces` command group, shared by the files that add its subcommands
// (bounces_report_command.cpp, and any other): whichever registers first creates it, the others find it,
// so no file depends on another being present. A file that adds the group with CLI::App::add_subcommand
// instead (which throws when it exists) must register before every user of this function.
#pragma once

#include <CLI/CLI.hpp>

namespace cli {

// The `bounces` subcommand of app, created (requiring one subcommand) when absent.
CLI::App* bounces_command_group(CLI::App& app);

}  // namespace cli
