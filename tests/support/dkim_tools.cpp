#include "tests/support/dkim_tools.hpp"

#include <stdexcept>

namespace relay::test {

std::filesystem::path private_dkim_key(const TempDir& dir, const std::string& name) {
  auto source = std::filesystem::path(RELAY_FIXTURES_DIR) / "dkim" / (name + ".pem");
  auto target = dir.path() / (name + ".pem");
  std::filesystem::copy_file(source, target, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(target,
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::replace);
  return target;
}

RunResult python_dkim_verify(const std::string& message, const std::string& nameserver,
                             const std::string& record) {
  std::vector<std::string> argv{"/usr/bin/python3",
                                std::string(RELAY_SOURCE_DIR) + "/tests/support/dkim_verify.py"};
  if (record.empty()) {
    argv.insert(argv.end(), {"--nameserver", nameserver});
  } else {
    argv.insert(argv.end(), {"--record", record});
  }
  RunOptions options;
  options.input = message;
  return run(argv, options);
}

}  // namespace relay::test
