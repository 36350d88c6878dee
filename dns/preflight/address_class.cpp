#include "dns/preflight/address_class.hpp"

#include <array>
#include <cstring>
#include <ifaddrs.h>
#include <netinet/in.h>

#include "dns/ip_network.hpp"

namespace dns::preflight {
namespace {

struct Range {
  const char* network;
  AddressUse use;
  const char* description;
};

// Most specific first where ranges nest (2001:db8::/32 inside 2001::/23).
constexpr std::array kRanges{
    Range{"0.0.0.0/8", AddressUse::not_routable, "\"this network\" (RFC 791)"},
    Range{"10.0.0.0/8", AddressUse::not_routable, "private network (RFC 1918)"},
    Range{"100.64.0.0/10", AddressUse::not_routable, "shared address space for carrier-grade NAT (RFC 6598)"},
    Range{"127.0.0.0/8", AddressUse::not_routable, "loopback (RFC 1122)"},
    Range{"169.254.0.0/16", AddressUse::not_routable, "link-local (RFC 3927)"},
    Range{"172.16.0.0/12", AddressUse::not_routable, "private network (RFC 1918)"},
    Range{"192.0.0.0/24", AddressUse::not_routable, "IETF protocol assignments (RFC 6890)"},
    Range{"192.0.2.0/24", AddressUse::documentation, "TEST-NET-1, for documentation (RFC 5737)"},
    Range{"192.88.99.0/24", AddressUse::not_routable, "deprecated 6to4 relay anycast (RFC 7526)"},
    Range{"192.168.0.0/16", AddressUse::not_routable, "private network (RFC 1918)"},
    Range{"198.18.0.0/15", AddressUse::not_routable, "network benchmarking (RFC 2544)"},
    Range{"198.51.100.0/24", AddressUse::documentation, "TEST-NET-2, for documentation (RFC 5737)"},
    Range{"203.0.113.0/24", AddressUse::documentation, "TEST-NET-3, for documentation (RFC 5737)"},
    Range{"224.0.0.0/4", AddressUse::not_routable, "multicast (RFC 5771)"},
    Range{"240.0.0.0/4", AddressUse::not_routable, "reserved (RFC 1112)"},
    Range{"::/128", AddressUse::not_routable, "unspecified address (RFC 4291)"},
    Range{"::1/128", AddressUse::not_routable, "loopback (RFC 4291)"},
    Range{"64:ff9b:1::/48", AddressUse::not_routable, "local-use IPv4/IPv6 translation (RFC 8215)"},
    Range{"100::/64", AddressUse::not_routable, "discard-only (RFC 6666)"},
    Range{"2001:db8::/32", AddressUse::documentation, "IPv6 documentation prefix (RFC 3849)"},
    Range{"2001::/23", AddressUse::not_routable, "IETF protocol assignments, e.g. Teredo (RFC 2928)"},
    Range{"2002::/16", AddressUse::not_routable, "6to4 (RFC 3056): a tunnel, not a sending address"},
    Range{"3fff::/20", AddressUse::documentation, "IPv6 documentation prefix (RFC 9637)"},
    Range{"fc00::/7", AddressUse::not_routable, "unique local address (RFC 4193)"},
    Range{"fe80::/10", AddressUse::not_routable, "link-local (RFC 4291)"},
    Range{"ff00::/8", AddressUse::not_routable, "multicast (RFC 4291)"},
};

}  // namespace

AddressClass classify_address(const asio::ip::address& address) {
  auto ip = unmap_v4(address);
  for (const auto& range : kRanges) {
    auto network = IpNetwork::parse(range.network);
    if (network && network->contains(ip)) return {range.use, range.network, range.description};
  }
  return {AddressUse::public_unicast, "", "public unicast address"};
}

std::vector<asio::ip::address> local_addresses() {
  std::vector<asio::ip::address> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* item = list; item; item = item->ifa_next) {
    if (!item->ifa_addr) continue;
    if (item->ifa_addr->sa_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(item->ifa_addr);
      asio::ip::address_v4::bytes_type bytes;
      std::memcpy(bytes.data(), &v4->sin_addr, 4);
      out.push_back(asio::ip::address_v4(bytes));
    } else if (item->ifa_addr->sa_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(item->ifa_addr);
      asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), &v6->sin6_addr, 16);
      out.push_back(unmap_v4(asio::ip::address_v6(bytes, v6->sin6_scope_id)));
    }
  }
  freeifaddrs(list);
  return out;
}

}  // namespace dns::preflight
