#include "tests/support/zone_files.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace relay::test {

Zone fixture_zone(const std::string& name) {
  std::ifstream in(std::string(RELAY_FIXTURES_DIR) + "/dns/" + name + ".zone");
  if (!in) throw std::runtime_error("no fixture zone " + name);
  std::ostringstream text;
  text << in.rdbuf();
  return Zone{name, text.str()};
}

}  // namespace relay::test
