// peer_socket.hpp — one request and its whole reply over a fresh connection to a test peer (the readiness
// probes of rspamd_server and clamd_server: HTTP/1.0 GET /ping, clamd's zPING). Reads until the peer closes,
// at most 64 KiB, within timeout; returns what arrived (empty when nothing could be connected or read).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace relay::test {

std::string exchange_tcp(const std::string& host, unsigned short port, std::string_view request,
                         std::chrono::milliseconds timeout);
std::string exchange_unix(const std::string& path, std::string_view request,
                          std::chrono::milliseconds timeout);

}  // namespace relay::test
