// client_blocklist.hpp — the DNSBL check of an inbound client at connect ([inbound] dnsbl_zones): the
// client's address asked of each zone in turn (RFC 5782: IPv4 octets or IPv6 nibbles reversed), through
// dns/dnsbl's check(), which knows each list's own "could not check" answers (Spamhaus 127.255.255.x, ...).
// Errors: a zone that cannot be asked (DNS failure, refusal code, answer outside 127.0.0.0/8) counts as
// not listed and is logged (dnsbl.lookup_failed): a blocklist outage must not stop mail.
// Untrusted input: DNS answers (only compared, and the TXT reason kept bounded).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/address.hpp>

#include "dns/resolver/resolver.hpp"

namespace mta::inbound::auth {

struct BlocklistListing {
  std::string zone;    // as configured, canonical
  std::string code;    // the first answer, e.g. "127.0.0.2"
  std::string reason;  // the list's TXT record ("" when none), at most 1000 bytes, may hold any text
};

// The first zone, in the order given, that lists client; each query has the resolver's own timeout.
asio::awaitable<std::optional<BlocklistListing>> find_listing(dns::Resolver& resolver,
                                                              const asio::ip::address& client,
                                                              const std::vector<std::string>& zones);

// The name of that zone.
asio::awaitable<std::optional<std::string>> listed_in(dns::Resolver& resolver,
                                                      const asio::ip::address& client,
                                                      const std::vector<std::string>& zones);

}  // namespace mta::inbound::auth
