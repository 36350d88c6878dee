#include "dns/resolver/resolv_conf.hpp"

#include <fstream>
#include <sstream>
#include <string>

namespace dns {

std::vector<asio::ip::udp::endpoint> parse_resolv_conf(std::string_view text) {
  std::vector<asio::ip::udp::endpoint> servers;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line) && servers.size() < 3) {
    std::istringstream words(line);
    std::string keyword, address;
    if (!(words >> keyword >> address) || keyword != "nameserver") continue;
    asio::error_code error;
    auto ip = asio::ip::make_address(address, error);
    if (!error) servers.emplace_back(ip, 53);
  }
  if (servers.empty()) servers.emplace_back(asio::ip::make_address("127.0.0.1"), 53);
  return servers;
}

std::vector<asio::ip::udp::endpoint> system_nameservers(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  return parse_resolv_conf(text.str());
}

}  // namespace dns
