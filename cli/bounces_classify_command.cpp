// bounces_classify_command.cpp — `relayctl bounces classify [--json] REPLY`: the class, hard or soft,
// and the rule that matched for one reply line ("550 5.1.1 ...", or a local diagnostic without a code),
// by the shipped bounce-rules.toml (or [bounces] rules_file) after the config's [[bounces.rule]].
// Errors: a bad configuration, a missing or bad rules file or a bad extra rule exit 2 naming FILE:LINE.
// Untrusted input: REPLY (any bytes; the classifier looks at its first 2,000 octets).
#include <iostream>

#include <nlohmann/json.hpp>

#include "campaigns/bounces/classify/classifier.hpp"
#include "cli/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/bounces_group.hpp"
#include "cli/registry.hpp"

namespace cli {
namespace {

struct Options {
  std::string config;
  std::string reply;
  bool json = false;
};

int classify(const Options& options) {
  auto loaded = load_config(options.config);
  if (!loaded) return kUsage;
  auto load = campaigns::load_classifier(loaded->config.bounces);
  if (!load.classifier) {
    for (const auto& line : campaigns::format_errors(load, loaded->source))
      print_error(line);
    std::cerr << "relayctl: the bounce rules did not load; fix the file named above (docs/bounces.md "
                 "describes its format)\n";
    return kUsage;
  }
  campaigns::Classification result = load.classifier->classify(options.reply);
  if (options.json) {
    nlohmann::ordered_json out{{"class", campaigns::to_string(result.bounce_class)},
                               {"severity", campaigns::to_string(result.severity)},
                               {"rule", result.rule}};
    std::cout << out.dump() << "\n";
  } else {
    std::cout << "class:    " << campaigns::to_string(result.bounce_class) << "\n"
              << "severity: " << campaigns::to_string(result.severity) << "\n"
              << "rule:     " << result.rule << "\n";
  }
  return kOk;
}

void add_bounces_classify_command(CLI::App& app, Cli& cli) {
  auto* bounces = bounces_command_group(app);
  auto options = std::make_shared<Options>();
  auto* command = bounces->add_subcommand(
      "classify", "Classify one reply: its class, hard or soft, and the rule that matched");
  command->footer(
      "REPLY is the whole reply line, e.g. '550 5.1.1 The email account that you tried to reach does not\n"
      "exist', or a local diagnostic without a code such as 'TLS handshake failed: ...'. Rules come from\n"
      "the configuration's [[bounces.rule]], then [bounces] rules_file (default: bounce-rules.toml beside\n"
      "relayctl); the first that matches wins. Exit 0, or 2 when the configuration or the rules are bad.");
  add_config_option(*command, options->config);
  command->add_flag("--json", options->json,
                    "Print {\"class\": ..., \"severity\": \"hard\"|\"soft\", \"rule\": ...}");
  command->add_option("REPLY", options->reply, "The reply, quoted as one argument")->required();
  command->callback([&cli, options] { cli.action = [options] { return classify(*options); }; });
}

const Registration kRegistration{71, add_bounces_classify_command};

}  // namespace
}  // namespace cli
