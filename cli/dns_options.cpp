#include "cli/dns_options.hpp"

#include <cmath>

#include "cli/common.hpp"
#include "dns/host_port.hpp"
#include "mta/config/dns_settings.hpp"

namespace cli {

void add_dns_options(CLI::App& command, DnsOptions& options, bool with_config) {
  command
      .add_option("--nameserver", options.nameservers,
                  "Recursive nameserver to ask, IP[:PORT] (repeatable; port 53 when omitted; IPv6 as "
                  "[ADDR]:PORT). Default: the config's dns.nameservers, else /etc/resolv.conf")
      ->type_name("HOST[:PORT]");
  command
      .add_option("--dns-timeout", options.timeout_seconds,
                  "Seconds to wait for one nameserver's answer before trying the next (default: the config's "
                  "dns.timeout, 5)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.001, 3600.0));
  if (with_config) add_config_option(command, options.config_path);
}

std::optional<dns::NetworkResolverOptions> resolver_options(const DnsOptions& options,
                                                            const mta::config::Config* config) {
  std::optional<LoadedConfig> loaded;
  if (!config) {
    loaded = load_config(options.config_path);
    if (!loaded) return std::nullopt;
    config = &loaded->config;
  }
  // The [dns] section (the loader has checked its nameservers are IP addresses), then the flags over it.
  dns::NetworkResolverOptions out = mta::config::resolver_options(config->dns);
  if (options.timeout_seconds > 0)
    out.timeout = std::chrono::milliseconds(static_cast<long>(std::llround(options.timeout_seconds * 1000)));
  if (!options.nameservers.empty()) {
    out.servers.clear();
    for (const auto& text : options.nameservers) {
      auto parsed = dns::parse_host_port(text, 53, false);
      auto ip = parsed.value ? parsed.value->ip() : std::nullopt;
      if (!ip) {
        print_error("--nameserver " + text + ": " + (parsed.value ? "must be an IP address" : parsed.error) +
                    " (expected IP[:PORT], e.g. 127.0.0.1:5353)");
        return std::nullopt;
      }
      out.servers.emplace_back(*ip, parsed.value->port);
    }
  }
  return out;
}

std::unique_ptr<dns::NetworkResolver> make_resolver(asio::io_context& io, const DnsOptions& options,
                                                    const mta::config::Config* config) {
  auto resolved = resolver_options(options, config);
  if (!resolved) return nullptr;
  return std::make_unique<dns::NetworkResolver>(io.get_executor(), std::move(*resolved));
}

}  // namespace cli
