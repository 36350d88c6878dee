// address_class.hpp — is an IP address one a mail server can send from on the public internet?
// Classifies against the IANA special-purpose address registries (RFC 6890 and its updates): private,
// shared/CGNAT (RFC 6598), loopback, link-local, documentation, benchmarking, multicast, reserved, ULA.
// Pure data and lookups; no I/O. Local interface addresses come from local_addresses().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <asio/ip/address.hpp>

namespace dns::preflight {

enum class AddressUse {
  public_unicast,  // routable: a candidate sending address
  documentation,   // reserved for examples (RFC 5737, RFC 3849, RFC 9637): never a real sender
  not_routable,    // private, CGNAT, loopback, link-local, reserved, multicast, ...
};

struct AddressClass {
  AddressUse use = AddressUse::public_unicast;
  std::string range;        // "100.64.0.0/10"
  std::string description;  // "shared address space for carrier-grade NAT (RFC 6598)"
};

AddressClass classify_address(const asio::ip::address& address);

// The addresses configured on this host's interfaces (getifaddrs), IPv4-mapped forms unmapped.
std::vector<asio::ip::address> local_addresses();

}  // namespace dns::preflight
