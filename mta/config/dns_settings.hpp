// dns_settings.hpp — the network resolver's options from the [dns] section: its nameservers (IP literals,
// checked by the loader) and per-server timeout; /etc/resolv.conf when none are configured.
#pragma once

#include "dns/resolver/network_resolver.hpp"
#include "mta/config/config.hpp"

namespace mta::config {

dns::NetworkResolverOptions resolver_options(const DnsConfig& dns);

}  // namespace mta::config
