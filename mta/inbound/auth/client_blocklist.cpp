#include "mta/inbound/auth/client_blocklist.hpp"

#include "dns/dnsbl/check.hpp"
#include "dns/ip_network.hpp"
#include "mta/log/log.hpp"

namespace mta::inbound::auth {

asio::awaitable<std::optional<BlocklistListing>> find_listing(dns::Resolver& resolver,
                                                              const asio::ip::address& client,
                                                              const std::vector<std::string>& zones) {
  std::string target = dns::unmap_v4(client).to_string();
  for (const auto& zone : zones) {
    dns::dnsbl::ListDefinition list = dns::dnsbl::list_for_zone(zone, dns::dnsbl::ListKind::ip);
    dns::dnsbl::ListResult result = co_await dns::dnsbl::check(resolver, list, target);
    switch (result.verdict) {
      case dns::dnsbl::Verdict::listed:
        co_return BlocklistListing{list.zone, result.codes.empty() ? "" : result.codes.front().code,
                                   result.reason};
      case dns::dnsbl::Verdict::error:
        log::warn(
            "dnsbl.lookup_failed",
            {{"zone", list.zone}, {"client", target}, {"query", result.query}, {"error", result.error}});
        break;
      case dns::dnsbl::Verdict::not_listed:
        break;
    }
  }
  co_return std::nullopt;
}

asio::awaitable<std::optional<std::string>> listed_in(dns::Resolver& resolver,
                                                      const asio::ip::address& client,
                                                      const std::vector<std::string>& zones) {
  auto listing = co_await find_listing(resolver, client, zones);
  if (!listing) co_return std::nullopt;
  co_return listing->zone;
}

}  // namespace mta::inbound::auth
