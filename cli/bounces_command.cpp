// bounces_command.cpp — the `relayctl bounces` command group. Each subcommand lives in its own file
// (bounces_classify_command.cpp, bounces_parse_command.cpp, bounces_report_command.cpp) and adds itself to
// the group through bounces_command_group (bounces_group.hpp), whichever registers first creating it.
// No input of its own: it only requires one subcommand.
#include "cli/bounces_group.hpp"
#include "cli/registry.hpp"

namespace cli {

CLI::App* bounces_command_group(CLI::App& app) {
  for (auto* existing : app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "bounces"; }))
    return existing;
  auto* group = app.add_subcommand(
      "bounces", "Bounces and complaints: classify replies, parse bounce messages, report on delivery events");
  group->require_subcommand(1);
  group->footer("See docs/bounces.md for the classes, hard and soft, the rules file, bounce mailboxes and the "
                "report.");
  return group;
}

namespace {

void add_bounces_command(CLI::App& app, Cli&) {
  bounces_command_group(app);
}

const Registration kRegistration{70, add_bounces_command};

}  // namespace
}  // namespace cli
