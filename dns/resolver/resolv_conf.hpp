// resolv_conf.hpp — the nameservers of /etc/resolv.conf (resolv.conf(5)): "nameserver ADDRESS" lines, at
// most three, port 53; none means 127.0.0.1 as the C library assumes. Unparsable lines are skipped.
// Untrusted input: the file's text (any size is read line by line).
#pragma once

#include <string_view>
#include <vector>

#include <asio/ip/udp.hpp>

namespace dns {

std::vector<asio::ip::udp::endpoint> parse_resolv_conf(std::string_view text);
std::vector<asio::ip::udp::endpoint> system_nameservers(const char* path = "/etc/resolv.conf");

}  // namespace dns
