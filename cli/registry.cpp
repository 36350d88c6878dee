#include "cli/registry.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace cli {
namespace {

std::vector<std::pair<int, CommandAdder>>& registry() {
  static std::vector<std::pair<int, CommandAdder>> commands;  // built during static initialization
  return commands;
}

}  // namespace

Registration::Registration(int order, CommandAdder add) {
  registry().emplace_back(order, add);
}

void add_registered_commands(CLI::App& app, Cli& cli) {
  auto commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [order, add] : commands)
    add(app, cli);
}

}  // namespace cli
