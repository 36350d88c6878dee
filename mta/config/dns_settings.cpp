#include "mta/config/dns_settings.hpp"

namespace mta::config {

dns::NetworkResolverOptions resolver_options(const DnsConfig& dns) {
  dns::NetworkResolverOptions options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(dns.timeout);
  for (const auto& server : dns.nameservers)
    if (auto ip = server.ip()) options.servers.emplace_back(*ip, server.port);
  return options;
}

}  // namespace mta::config
