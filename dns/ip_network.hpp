// ip_network.hpp — an IPv4 or IPv6 network in CIDR form ("127.0.0.0/8", "2001:db8::/32", "::1").
// Used for trusted relay networks and SPF ip4:/ip6: mechanisms. Pure, no I/O.
// Untrusted input: config values and DNS data; parse() rejects anything not strictly CIDR.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <asio/ip/address.hpp>

namespace dns {

class IpNetwork {
 public:
  // "ADDRESS" (a host network: /32 or /128) or "ADDRESS/LENGTH". Host bits may be set (as in SPF).
  static std::optional<IpNetwork> parse(std::string_view text);
  IpNetwork(asio::ip::address address, unsigned prefix_length);

  // True when address is in this network. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches as IPv4.
  bool contains(const asio::ip::address& address) const;

  const asio::ip::address& address() const { return address_; }
  unsigned prefix_length() const { return prefix_length_; }
  std::string to_string() const;

 private:
  asio::ip::address address_;
  unsigned prefix_length_;
};

// An IPv4-mapped IPv6 address as the IPv4 address it carries; any other address unchanged.
asio::ip::address unmap_v4(const asio::ip::address& address);

}  // namespace dns
