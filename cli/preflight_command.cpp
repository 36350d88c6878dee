// preflight_command.cpp — `relayctl preflight`: the deliverability check before a campaign. Gathers what
// to check from the configuration (egress sources, the DKIM signing table, [server] hostname and TLS), a
// campaign (--campaign: its From and bounce domains, its pool's sources, a rendered sample's checks and
// links) and the flags (which add to or replace it), runs dns::preflight::run_preflight, prints a table or
// JSON. Thin: the checks live in dns/preflight, the DKIM key check in dkim/, the message checks in
// campaigns/, the campaign part in cli/preflight_campaign.
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include "campaigns/message/message_check.hpp"
#include "cli/common.hpp"
#include "cli/dns_options.hpp"
#include "cli/exit_code.hpp"
#include "cli/preflight_campaign.hpp"
#include "cli/preflight_dkim.hpp"
#include "cli/registry.hpp"
#include "dkim/signing_table.hpp"
#include "dns/name.hpp"
#include "dns/preflight/preflight.hpp"

namespace cli {
namespace {

struct Options {
  DnsOptions dns;
  std::vector<std::string> ips;
  std::string helo;
  std::vector<std::string> domains;
  std::vector<std::string> envelope_domains;
  std::vector<std::string> dkim_keys;  // DOMAIN:SELECTOR:FILE
  std::string selector;                // with key: one key signing as each --domain
  std::string key;
  std::vector<std::string> ip_lists;
  std::vector<std::string> domain_lists;
  bool no_blocklists = false;
  std::string pbl_zone = "zen.spamhaus.org";
  std::string message;
  std::string campaign;
  std::string hostname;
  std::string certificate;
  std::string certificate_key;
  bool no_tls = false;
  bool json = false;
};

bool valid_domain(const std::string& flag, const std::string& domain) {
  if (dns::is_valid_hostname(domain)) return true;
  print_error(flag + " " + domain + ": not a domain name");
  return false;
}

std::optional<std::vector<dns::dnsbl::ListDefinition>> lists_from(const std::string& flag,
                                                                  const std::vector<std::string>& zones,
                                                                  dns::dnsbl::ListKind kind) {
  std::vector<dns::dnsbl::ListDefinition> out;
  for (const auto& zone : zones) {
    if (!valid_domain(flag, zone)) return std::nullopt;
    auto list = dns::dnsbl::list_for_zone(zone, kind);
    list.kind = kind;
    out.push_back(std::move(list));
  }
  return out;
}

// The input from the configuration and the flags; nothing (after printing why) when they do not make sense.
std::optional<dns::preflight::PreflightInput> gather(const Options& options, const LoadedConfig& loaded,
                                                     std::vector<dns::preflight::Finding>& extra) {
  const mta::config::Config& config = loaded.config;
  dns::preflight::PreflightInput input;
  std::optional<CampaignPreflight> campaign;
  if (!options.campaign.empty()) {
    campaign = prepare_campaign(options.campaign, loaded);
    if (!campaign) return std::nullopt;
    extra = std::move(campaign->findings);
    input.link_domains = std::move(campaign->link_domains);
  }
  const std::string default_ehlo =
      config.server.hostname.empty() ? mta::config::machine_hostname() : config.server.hostname;
  // Sending IPs: --ip replaces the configured egress sources; a campaign's pool keeps its own.
  if (!options.ips.empty()) {
    for (const auto& text : options.ips) {
      asio::error_code error;
      auto address = asio::ip::make_address(text, error);
      if (error) {
        print_error("--ip " + text + ": not an IPv4 or IPv6 address");
        return std::nullopt;
      }
      input.sources.push_back({"", address, options.helo});
    }
  } else {
    for (const auto& source : config.delivery.sources) {
      if (campaign && !campaign->pool.empty() &&
          std::find(campaign->sources.begin(), campaign->sources.end(), source.name) ==
              campaign->sources.end())
        continue;
      asio::error_code error;
      auto address = asio::ip::make_address(source.address, error);
      if (error) continue;  // the loader has validated it
      input.sources.push_back(
          {source.name, address,
           options.helo.empty() ? (source.ehlo.empty() ? default_ehlo : source.ehlo) : options.helo});
    }
  }
  if (!options.helo.empty() && !dns::is_valid_hostname(options.helo)) {
    print_error("--helo " + options.helo + ": not a host name");
    return std::nullopt;
  }

  // From domains: --domain, else the campaign's, else the domains the signing table names explicitly.
  for (const auto& d : options.domains) {
    if (!valid_domain("--domain", d)) return std::nullopt;
    input.from_domains.push_back(dns::canonical_name(d));
  }
  if (campaign) input.from_domains.push_back(campaign->from_domain);
  if (input.from_domains.empty())
    for (const auto& rule : config.dkim.sign)
      if (rule.from_pattern != "*" && rule.from_pattern.rfind("*.", 0) != 0)
        input.from_domains.push_back(dns::canonical_name(rule.from_pattern));
  for (const auto& d : options.envelope_domains) {
    if (!valid_domain("--envelope-domain", d)) return std::nullopt;
    input.envelope_domains.push_back(dns::canonical_name(d));
  }
  if (campaign) input.envelope_domains.push_back(campaign->envelope_domain);
  if (input.envelope_domains.empty()) input.envelope_domains = input.from_domains;

  // DKIM keys: from the flags (--selector with --key: d= each --domain, signing its mail; --dkim-key: signing
  // every From domain's mail), else from the signing table, each key once with the From domains it signs.
  if (options.selector.empty() != options.key.empty()) {
    print_error(options.selector.empty() ? "--key needs --selector" : "--selector needs --key");
    return std::nullopt;
  }
  if (!options.selector.empty() && options.domains.empty() && !campaign) {
    print_error("--selector and --key sign as each --domain: give at least one --domain (or --campaign)");
    return std::nullopt;
  }
  if (!options.dkim_keys.empty() || !options.selector.empty()) {
    if (!options.selector.empty())
      for (const auto& domain : input.from_domains)
        input.dkim_keys.push_back({domain, options.selector, options.key, {domain}});
    for (const auto& spec : options.dkim_keys) {
      auto first = spec.find(':');
      auto second = first == std::string::npos ? std::string::npos : spec.find(':', first + 1);
      if (second == std::string::npos) {
        print_error("--dkim-key " + spec + ": expected DOMAIN:SELECTOR:KEYFILE");
        return std::nullopt;
      }
      dns::preflight::DkimKey key{
          spec.substr(0, first), spec.substr(first + 1, second - first - 1), spec.substr(second + 1), {}};
      if (!valid_domain("--dkim-key", key.domain)) return std::nullopt;
      if (key.selector.empty()) {
        print_error("--dkim-key " + spec + ": the selector is empty");
        return std::nullopt;
      }
      key.domain = dns::canonical_name(key.domain);
      input.dkim_keys.push_back(std::move(key));
    }
  } else {
    const dkim::SigningTable table(config.dkim.sign);
    for (const auto& from : input.from_domains)
      for (const auto* rule : table.match(from)) {
        auto it = std::find_if(input.dkim_keys.begin(), input.dkim_keys.end(), [&](const auto& k) {
          return k.domain == rule->domain && k.selector == rule->selector && k.key == rule->key;
        });
        if (it == input.dkim_keys.end())
          input.dkim_keys.push_back({rule->domain, rule->selector, rule->key, {from}});
        else
          it->signs_from.push_back(from);
      }
  }

  if (input.sources.empty() && input.from_domains.empty()) {
    print_error(
        "nothing to check: give the sending IPs with --ip and the From domains with --domain, or a "
        "configuration (--config FILE) with [[delivery.source]] entries and a [dkim] sign table");
    return std::nullopt;
  }

  if (!options.no_blocklists) {
    auto ip_lists = options.ip_lists.empty()
                        ? std::optional(dns::dnsbl::default_ip_lists())
                        : lists_from("--ip-list", options.ip_lists, dns::dnsbl::ListKind::ip);
    auto domain_lists = options.domain_lists.empty()
                            ? std::optional(dns::dnsbl::default_domain_lists())
                            : lists_from("--domain-list", options.domain_lists, dns::dnsbl::ListKind::domain);
    if (!ip_lists || !domain_lists) return std::nullopt;
    input.ip_lists = std::move(*ip_lists);
    input.domain_lists = std::move(*domain_lists);
  }
  if (!options.pbl_zone.empty() && !valid_domain("--pbl-zone", options.pbl_zone)) return std::nullopt;
  input.pbl_zone = options.no_blocklists ? "" : options.pbl_zone;

  if (!options.no_tls) {
    input.hostname = options.hostname.empty() ? default_ehlo : options.hostname;
    input.certificate = options.certificate.empty() ? config.server.tls.certificate
                                                    : std::filesystem::path(options.certificate);
    input.certificate_key = options.certificate_key.empty() ? config.server.tls.key
                                                            : std::filesystem::path(options.certificate_key);
    if (input.certificate_key.empty()) input.certificate_key = input.certificate;
  }

  if (!options.message.empty()) {
    std::ifstream in(options.message, std::ios::binary);
    if (!in) {
      print_error("--message " + options.message + ": cannot read the file");
      return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    auto checked = campaigns::check_message(text.str());
    for (auto& f : checked.findings)
      extra.push_back(std::move(f));
    input.link_domains = registrable_link_domains(checked.link_domains);
  }
  return input;
}

int run_preflight(const Options& options) {
  auto loaded = load_config(options.dns.config_path);
  if (!loaded) return kUsage;
  std::vector<dns::preflight::Finding> extra;
  auto input = gather(options, *loaded, extra);
  if (!input) return kUsage;
  asio::io_context io;
  auto resolver = make_resolver(io, options.dns, &loaded->config);
  if (!resolver) return kUsage;
  const dns::preflight::DkimChecker checker = check_dkim_key;
  auto report = run_sync(io, dns::preflight::run_preflight(*resolver, *input, checker, extra));
  if (options.json)
    std::cout << dns::preflight::render_json(report);
  else
    std::cout << dns::preflight::render_table(report, ::isatty(STDOUT_FILENO) == 1);
  return report.exit_code();
}

void add_preflight_command(CLI::App& app, Cli& cli) {
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand(
      "preflight", "Check, before a campaign, what the mailbox providers judge a bulk sender by, with fixes");
  command->footer(
      "Check, before a campaign, everything the mailbox providers judge a bulk sender by: for each sending "
      "IP, that it is static (address class, local interfaces, PTR naming, policy lists), its reverse DNS "
      "(PTR, forward-confirmed) and EHLO name; for each domain, SPF (one valid record, pass for every IP, "
      "within the lookup limits), DKIM (each signing key published, matching, long enough), DMARC (a "
      "record, a policy, aligned SPF or DKIM), MX (bounces can come back, From is not a null MX), the DNS "
      "blocklists (each list probed first; a refusing list is 'could not check', never clean), the server "
      "certificate, and a sample message's format and one-click unsubscribe; then the Gmail, Yahoo and "
      "Outlook.com bulk-sender rules from those results. What to check comes from the configuration "
      "([[delivery.source]], the [dkim] sign table, [server] hostname and tls); the flags add or replace "
      "it. With --campaign FILE, the campaign says it: its first usable recipient's message is rendered "
      "(nothing is sent, the suppression list is not consulted) and checked, its From and bounce domains "
      "are the domains, its pool's sources the IPs, its links' registrable domains join the domain lists. "
      "Exit 0 when nothing failed, 1 when a check failed, 2 for bad flags or configuration, 3 when "
      "nothing failed but something could not be checked.");
  command
      ->add_option("--ip", options->ips, "A sending IP (repeatable); replaces the configured egress sources")
      ->type_name("IP");
  command
      ->add_option("--helo", options->helo,
                   "The EHLO name the sending IPs use (default: each source's ehlo, "
                   "else [server] hostname)")
      ->type_name("NAME");
  command
      ->add_option("--domain", options->domains,
                   "A From (RFC 5322) domain to check (repeatable); default: the domains named in the "
                   "[dkim] sign table")
      ->type_name("DOMAIN");
  command
      ->add_option("--envelope-domain", options->envelope_domains,
                   "A MAIL FROM (bounce) domain (repeatable); default: the From domains")
      ->type_name("DOMAIN");
  command
      ->add_option("--dkim-key", options->dkim_keys,
                   "A DKIM signing key DOMAIN:SELECTOR:KEYFILE (repeatable); replaces the [dkim] sign table")
      ->type_name("D:S:FILE");
  command
      ->add_option("--selector", options->selector,
                   "With --key: the selector of a DKIM key with d= each --domain, signing that domain's mail "
                   "(replaces the [dkim] sign table)")
      ->type_name("S");
  command->add_option("--key", options->key, "With --selector: that DKIM key's PEM private key (mode 0600)")
      ->type_name("FILE");
  command
      ->add_option("--ip-list", options->ip_lists,
                   "An IP blocklist zone to ask (repeatable); replaces the built-in lists")
      ->type_name("ZONE");
  command
      ->add_option("--domain-list", options->domain_lists,
                   "A domain blocklist zone to ask (repeatable); replaces the built-in lists")
      ->type_name("ZONE");
  command
      ->add_option("--pbl-zone", options->pbl_zone,
                   "The policy list asked for 'should not send directly' codes")
      ->type_name("ZONE")
      ->capture_default_str();
  command->add_flag("--no-blocklists", options->no_blocklists, "Skip the blocklist and policy-list checks");
  command
      ->add_option("--message", options->message,
                   "A sample campaign message (RFC 5322 file): its format, its List-Unsubscribe and "
                   "List-Unsubscribe-Post headers (RFC 8058), a visible unsubscribe link; its link "
                   "domains join the domain blocklist check")
      ->type_name("FILE");
  command
      ->add_option("--campaign", options->campaign,
                   "A campaign's TOML file: renders its first usable recipient's message (nothing is sent) "
                   "and checks it as --message does; its From and bounce domains replace --domain and "
                   "--envelope-domain, its pool's egress sources the configured ones (--ip still replaces "
                   "them); needs [campaigns] token_secret_file")
      ->type_name("FILE")
      ->excludes("--domain")
      ->excludes("--envelope-domain")
      ->excludes("--message");
  command
      ->add_option("--hostname", options->hostname,
                   "The server host name the certificate must name (default: [server] hostname)")
      ->type_name("NAME");
  command
      ->add_option("--certificate", options->certificate,
                   "PEM certificate chain to check (default: [server.tls] certificate)")
      ->type_name("FILE");
  command
      ->add_option("--certificate-key", options->certificate_key,
                   "PEM private key of the certificate (default: [server.tls] key)")
      ->type_name("FILE");
  command->add_flag("--no-tls", options->no_tls, "Skip the certificate check");
  command->add_flag("--json", options->json,
                    "Print one JSON object: findings (check, subject, status, detail, fix), summary (counts "
                    "by status), exit_code");
  add_dns_options(*command, options->dns);
  command->callback([&cli, options] { cli.action = [options] { return run_preflight(*options); }; });
}

const Registration kRegistration{20, add_preflight_command};

}  // namespace
}  // namespace cli
