// dnsbl_command.cpp — `relayctl dnsbl check TARGET...`: asks DNS blocklists about IP addresses (IP lists)
// and domains (domain lists), each list probed at its test points first. Thin: flags, dns::dnsbl, print.
#include <future>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/dns_options.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "dns/dnsbl/check.hpp"
#include "dns/name.hpp"

namespace cli {
namespace {

struct Options {
  DnsOptions dns;
  std::vector<std::string> targets;
  std::vector<std::string> zones;
  bool json = false;
  bool no_probe = false;
};

nlohmann::json to_json(const dns::dnsbl::ListResult& r) {
  nlohmann::json codes = nlohmann::json::array();
  for (const auto& code : r.codes)
    codes.push_back({{"code", code.code}, {"meaning", code.meaning}, {"policy", code.policy}});
  nlohmann::json out{{"target", r.target},
                     {"list", r.list},
                     {"zone", r.zone},
                     {"query", r.query},
                     {"status", r.verdict == dns::dnsbl::Verdict::listed       ? "listed"
                                : r.verdict == dns::dnsbl::Verdict::not_listed ? "not_listed"
                                                                               : "error"},
                     {"codes", codes}};
  if (r.verdict == dns::dnsbl::Verdict::listed) {
    out["policy_only"] = r.policy_only;
    out["reason"] = r.reason;
    out["delist"] = r.delist_url;
  }
  if (!r.error.empty()) out["error"] = r.error;
  return out;
}

void print(const dns::dnsbl::ListResult& r) {
  std::cout << "  " << r.list << " (" << r.zone << "): " << to_string(r.verdict);
  if (r.verdict == dns::dnsbl::Verdict::error) std::cout << ": " << r.error;
  std::cout << "\n";
  for (const auto& code : r.codes)
    std::cout << "      " << code.code << "  " << code.meaning << "\n";
  if (!r.reason.empty()) std::cout << "      reason: " << r.reason << "\n";
  if (r.verdict == dns::dnsbl::Verdict::listed && !r.delist_url.empty())
    std::cout << "      delisting: " << r.delist_url << "\n";
}

int run_check(const Options& options) {
  std::vector<std::pair<std::string, std::vector<dns::dnsbl::ListDefinition>>> plan;
  for (const auto& target : options.targets) {
    asio::error_code error;
    asio::ip::make_address(target, error);
    bool ip = !error;
    if (!ip && !dns::is_valid_hostname(target)) {
      print_error("'" + target + "' is neither an IP address nor a domain name");
      return kUsage;
    }
    auto kind = ip ? dns::dnsbl::ListKind::ip : dns::dnsbl::ListKind::domain;
    std::vector<dns::dnsbl::ListDefinition> lists;
    if (options.zones.empty()) {
      lists = ip ? dns::dnsbl::default_ip_lists() : dns::dnsbl::default_domain_lists();
    } else {
      for (const auto& zone : options.zones) {
        if (!dns::is_valid_hostname(zone)) {
          print_error("--zone " + zone + ": not a DNS zone name");
          return kUsage;
        }
        auto list = dns::dnsbl::list_for_zone(zone, kind);
        list.kind = kind;
        lists.push_back(list);
      }
    }
    if (options.no_probe)
      for (auto& list : lists)
        list.test_listed.clear();
    plan.emplace_back(target, std::move(lists));
  }

  asio::io_context io;
  auto resolver = make_resolver(io, options.dns);
  if (!resolver) return kUsage;
  std::vector<std::future<dns::dnsbl::ListResult>> futures;
  for (const auto& [target, lists] : plan)
    for (const auto& list : lists)
      futures.push_back(
          asio::co_spawn(io, dns::dnsbl::probe_and_check(*resolver, list, target), asio::use_future));
  io.run();

  std::vector<dns::dnsbl::ListResult> results;
  for (auto& future : futures)
    results.push_back(future.get());
  bool listed = false, errors = false;
  for (const auto& r : results) {
    listed = listed || r.verdict == dns::dnsbl::Verdict::listed;
    errors = errors || r.verdict == dns::dnsbl::Verdict::error;
  }
  if (options.json) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& r : results)
      array.push_back(to_json(r));
    std::cout << nlohmann::json{{"results", array}, {"listed", listed}, {"errors", errors}}.dump(2) << "\n";
  } else {
    std::string current;
    for (const auto& r : results) {
      if (r.target != current) std::cout << (current.empty() ? "" : "\n") << r.target << "\n";
      current = r.target;
      print(r);
    }
  }
  if (listed) return kCheckFailed;
  return errors ? kTemporary : kOk;
}

void add_dnsbl_command(CLI::App& app, Cli& cli) {
  auto* dnsbl = app.add_subcommand("dnsbl", "Check IP addresses and domains against DNS blocklists");
  dnsbl->require_subcommand(1);
  auto options = std::make_shared<Options>();
  auto* check = dnsbl->add_subcommand("check",
                                      "Ask DNS blocklists about each TARGET: an IP address (IPv4, or IPv6 in "
                                      "RFC 5782 nibble form) is checked "
                                      "against IP lists (default: Spamhaus ZEN, SpamCop, Barracuda, "
                                      "UCEPROTECT level 1), a domain against domain "
                                      "lists (default: Spamhaus DBL, SURBL multi, URIBL multi). Prints per "
                                      "list: listed / not listed / error, each "
                                      "code's meaning (e.g. ZEN 127.0.0.10 = PBL, policy), the list's TXT "
                                      "reason and its delisting page. A list's "
                                      "own error answers (e.g. Spamhaus 127.255.255.254: public resolver "
                                      "refused) and lists failing their test "
                                      "points are errors (\"could not check\"), never listed or clean. Exit "
                                      "1 when listed anywhere, else 3 when a "
                                      "list could not be checked, else 0.");
  check->add_option("TARGET", options->targets, "IP addresses and/or domain names")->required();
  check
      ->add_option(
          "--zone", options->zones,
          "A list's DNS zone (repeatable), replacing the defaults, e.g. --zone zen.spamhaus.org. Known "
          "zones get their return-code table; others count any 127.0.0.0/8 answer as listed")
      ->type_name("ZONE");
  check->add_flag(
      "--no-probe", options->no_probe,
      "Skip the RFC 5782 test-point queries (127.0.0.2 listed, 127.0.0.1 not) that detect dead lists");
  check->add_flag(
      "--json", options->json,
      "Print one JSON object: results (target, list, zone, query, status listed|not_listed|error, codes "
      "with meanings, reason, delist, error), listed, errors");
  add_dns_options(*check, options->dns);
  check->callback([&cli, options] { cli.action = [options] { return run_check(*options); }; });
}

const Registration kRegistration{40, add_dnsbl_command};

}  // namespace
}  // namespace cli
