// lookups.hpp — typed lookups on top of any Resolver: addresses, MX hosts (sorted, with RFC 5321 §5.1's
// implicit MX for a domain that has an address, and RFC 7505's null MX), PTR and CNAME targets, TXT
// records joined (RFC 7208 §3.3).
// Errors: the Status of the underlying response; data of the wrong shape never reaches the caller.
#pragma once

#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "dns/resolver/resolver.hpp"

namespace dns {

template <typename T>
struct Lookup {
  Status status = Status::temporary;
  std::vector<T> values;
  std::string detail;
  bool ok() const { return status == Status::answer; }
};

asio::awaitable<Lookup<asio::ip::address>> lookup_a(Resolver& resolver, std::string name);
asio::awaitable<Lookup<asio::ip::address>> lookup_aaaa(Resolver& resolver, std::string name);
// A then AAAA; answer when either has addresses, temporary when either failed and neither answered.
asio::awaitable<Lookup<asio::ip::address>> lookup_addresses(Resolver& resolver, std::string name);
asio::awaitable<Lookup<std::string>> lookup_ptr(Resolver& resolver, asio::ip::address address);
asio::awaitable<Lookup<std::string>> lookup_cname(Resolver& resolver, std::string name);
asio::awaitable<Lookup<std::string>> lookup_txt(Resolver& resolver, std::string name);  // joined strings

struct MxLookup {
  Status status = Status::temporary;  // nodata: neither MX nor address records, so no implicit MX either
  std::vector<MxData> hosts;          // by preference, lowest first (ties keep the server's order)
  bool implicit = false;  // no MX records but an address: the domain itself, preference 0 (RFC 5321 §5.1)
  bool null_mx = false;   // "MX 0 ." (RFC 7505): the domain accepts no mail; hosts is empty
  std::string detail;
  bool ok() const { return status == Status::answer; }
};
// Without MX records, the domain's A and AAAA records decide: an address gives the implicit MX, none gives
// nodata (the domain cannot receive mail), a failed address lookup gives that failure.
asio::awaitable<MxLookup> lookup_mx(Resolver& resolver, std::string domain);

// "4.3.2.1.in-addr.arpa" or the 32 nibbles of ip6.arpa (RFC 3596 §2.5), without a trailing dot.
std::string reverse_name(const asio::ip::address& address);

}  // namespace dns
