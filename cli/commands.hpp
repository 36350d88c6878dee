// commands.hpp — one function per subcommand family, each in its own file, registering its CLI11
// subcommands and setting Cli::action when chosen.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/common.hpp"

namespace cli {

void add_config_command(CLI::App& app, Cli& cli);

}  // namespace cli
