// registry.hpp — subcommands register themselves, so adding one is adding its file:
//   static const cli::Registration kRegistration{30, add_spf_command};   // in cli/spf_command.cpp
// The order number sets where the command appears in `relayctl --help` (lower first).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/common.hpp"

namespace cli {

using CommandAdder = void (*)(CLI::App& app, Cli& cli);

struct Registration {
  Registration(int order, CommandAdder add);
};

// Adds every registered subcommand to app, in order.
void add_registered_commands(CLI::App& app, Cli& cli);

}  // namespace cli
