// dns_options.hpp — the DNS flags every DNS-using subcommand takes, and the resolver built from them:
//   --nameserver HOST[:PORT] (repeatable; IP literals, port 53 by default) overrides the config's
//   dns.nameservers, which overrides /etc/resolv.conf; --dns-timeout SECONDS overrides dns.timeout.
// Usage: DnsOptions dns; add_dns_options(*command, dns);  ... auto resolver = make_resolver(io, dns);
// Errors: a bad flag or configuration is printed (naming the flag or key) and make_resolver returns null;
// the caller exits with kUsage.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>

#include "dns/resolver/network_resolver.hpp"
#include "mta/config/config.hpp"

namespace cli {

struct DnsOptions {
  std::vector<std::string> nameservers;
  double timeout_seconds = 0;  // 0: the config's dns.timeout
  std::string config_path;     // --config, when add_dns_options added it
};

// Adds --nameserver and --dns-timeout; with_config also adds --config FILE (for commands that have no
// other use for the configuration, so that its [dns] section still applies).
void add_dns_options(CLI::App& command, DnsOptions& options, bool with_config = true);

// The resolver options from the flags and config (nullptr: load options.config_path, or the default file).
std::optional<dns::NetworkResolverOptions> resolver_options(const DnsOptions& options,
                                                            const mta::config::Config* config = nullptr);
std::unique_ptr<dns::NetworkResolver> make_resolver(asio::io_context& io, const DnsOptions& options,
                                                    const mta::config::Config* config = nullptr);

// Runs one coroutine to completion on io (for commands, which do one job and exit).
template <typename T>
T run_sync(asio::io_context& io, asio::awaitable<T> task) {
  auto future = asio::co_spawn(io, std::move(task), asio::use_future);
  io.restart();
  io.run();
  return future.get();
}

}  // namespace cli
