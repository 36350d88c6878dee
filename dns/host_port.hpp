// host_port.hpp — "HOST[:PORT]" as written in configs and on command lines (--nameserver, next_hop).
// HOST is an IPv4 address, a bracketed IPv6 address ("[::1]:53"), a bare IPv6 address (no port then), or a
// host name. Pure parsing, no lookups. Untrusted input: config values and flags; errors say what is wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <asio/ip/address.hpp>

namespace dns {

struct HostPort {
  std::string host;  // an IP literal without brackets, or a canonical host name
  std::uint16_t port = 0;

  // The host as an IP address, when it is one.
  std::optional<asio::ip::address> ip() const;
  // "host:port", with brackets around an IPv6 host.
  std::string to_string() const;

  friend bool operator==(const HostPort&, const HostPort&) = default;
};

struct HostPortResult {
  std::optional<HostPort> value;
  std::string error;  // set when value is empty: what is wrong, for a message to the user
};

// Parses HOST[:PORT]; default_port is used when no port is given (0 = a port is required).
// allow_names = false accepts only IP literals (e.g. nameservers).
HostPortResult parse_host_port(std::string_view text, std::uint16_t default_port, bool allow_names = true);

}  // namespace dns
