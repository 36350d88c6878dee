// bounces_command.cpp — the `relayctl bounces` command group. Each subcommand lives in its own file
// (bounces_classify_command.cpp, ...) and adds itself to this group with a later registration order.
// No input of its own: it only requires one subcommand.
#include "cli/registry.hpp"

namespace cli {
namespace {

void add_bounces_command(CLI::App& app, Cli&) {
  auto* bounces = app.add_subcommand("bounces", "Bounces: classify a delivery's reply");
  bounces->require_subcommand(1);
  bounces->footer("See docs/bounces.md for the classes, hard and soft, and the rules file.");
}

const Registration kRegistration{70, add_bounces_command};

}  // namespace
}  // namespace cli
