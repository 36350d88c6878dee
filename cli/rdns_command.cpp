// rdns_command.cpp — `relayctl rdns check IP`: PTR names, forward-confirmed reverse DNS, and whether the
// IP looks static (fit to send mail directly) or dynamic, with each reason's weight. Thin: flags, print.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/dns_options.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "dns/rdns/reverse_check.hpp"

namespace cli {
namespace {

struct Options {
  DnsOptions dns;
  std::string ip;
  std::string pbl_zone = "zen.spamhaus.org";
  bool json = false;
};

int run_check(const Options& options) {
  asio::error_code error;
  auto ip = asio::ip::make_address(options.ip, error);
  if (error) {
    print_error("IP " + options.ip + ": not an IPv4 or IPv6 address");
    return kUsage;
  }
  asio::io_context io;
  auto resolver = make_resolver(io, options.dns);
  if (!resolver) return kUsage;
  dns::rdns::ReverseOptions reverse;
  reverse.pbl_zone = options.pbl_zone;
  auto report = run_sync(io, dns::rdns::check_reverse(*resolver, ip, reverse));
  bool ok = !report.names.empty() && report.fcrdns &&
            report.verdict == dns::rdns::ReverseReport::Verdict::looks_static;
  // Not checked: a DNS failure, or a policy list that could not be asked about an IP that otherwise passed.
  const bool failed_anyway = !report.temporary && (report.names.empty() || !report.fcrdns);
  const bool unchecked =
      !ok && !failed_anyway && (report.temporary || report.verdict == dns::rdns::ReverseReport::Verdict::unknown);

  if (options.json) {
    nlohmann::json names = nlohmann::json::array();
    for (const auto& name : report.names)
      names.push_back({{"name", name.name}, {"addresses", name.addresses}, {"confirmed", name.confirmed}});
    nlohmann::json reasons = nlohmann::json::array();
    for (const auto& reason : report.reasons)
      reasons.push_back({{"code", reason.code}, {"text", reason.text}, {"weight", reason.weight}});
    nlohmann::json out{{"ip", report.ip.to_string()}, {"ptr", names},
                       {"fcrdns", report.fcrdns},     {"verdict", std::string(to_string(report.verdict))},
                       {"score", report.score},       {"threshold", dns::rdns::kDynamicThreshold},
                       {"reasons", reasons},          {"ok", ok && !report.temporary}};
    if (report.temporary) out["temporary_error"] = report.temporary_detail;
    if (!report.policy_error.empty()) out["policy_error"] = report.policy_error;
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "Reverse DNS of " << report.ip.to_string() << "\n";
    if (report.names.empty()) std::cout << "  PTR:     (none)\n";
    for (const auto& name : report.names) {
      std::cout << "  PTR:     " << name.name << " -> ";
      if (name.addresses.empty()) std::cout << "(no address)";
      for (std::size_t i = 0; i < name.addresses.size(); ++i)
        std::cout << (i ? ", " : "") << name.addresses[i];
      std::cout << (name.confirmed ? "  (confirmed)" : "  (does not point back)") << "\n";
    }
    std::cout << "  FCrDNS:  " << (report.fcrdns ? "pass" : "fail") << "\n";
    std::cout << "  verdict: " << to_string(report.verdict) << " (score " << report.score << ", dynamic from "
              << dns::rdns::kDynamicThreshold << ")\n";
    for (const auto& reason : report.reasons)
      std::cout << "    " << (reason.weight > 0 ? "+" : "") << reason.weight << "  " << reason.text << "\n";
    if (report.temporary) std::cout << "  DNS failure, try again: " << report.temporary_detail << "\n";
    if (!report.policy_error.empty()) std::cout << "  policy list not checked: " << report.policy_error << "\n";
  }
  if (unchecked) return kTemporary;
  return ok ? kOk : kCheckFailed;
}

void add_rdns_command(CLI::App& app, Cli& cli) {
  auto* rdns =
      app.add_subcommand("rdns", "Check reverse DNS of a sending IP (PTR, FCrDNS, static or dynamic)");
  rdns->require_subcommand(1);
  auto options = std::make_shared<Options>();
  auto* check = rdns->add_subcommand(
      "check",
      "Look up the PTR names of IP, check forward-confirmed reverse DNS (a PTR name whose A/AAAA records "
      "contain IP), and judge whether IP looks static or dynamic: generic PTR names (the IP's octets in "
      "decimal "
      "or hex, tokens such as dyn, pool, dhcp, dsl, cable, ppp, dial, cpe, res; static, fix, mail, mx, smtp "
      "count against), a missing PTR, failed FCrDNS and a Spamhaus PBL listing, each with its weight. Exit 0 "
      "when IP has a confirmed PTR and looks static, 1 otherwise, 3 when DNS failed, or when the policy list "
      "could not be checked (it refused the query or failed its test points) and IP passed the rest.");
  check->add_option("IP", options->ip, "The sending IP address (IPv4 or IPv6)")->required();
  check
      ->add_option("--pbl-zone", options->pbl_zone,
                   "Policy list asked for 'should not send directly' codes; \"\" skips it")
      ->type_name("ZONE")
      ->capture_default_str();
  check->add_flag(
      "--json", options->json,
      "Print one JSON object: ip, ptr (name, addresses, confirmed), fcrdns, verdict (static, dynamic, "
      "unknown), score, threshold, reasons (code, text, weight), ok; temporary_error and policy_error when "
      "something could not be checked");
  add_dns_options(*check, options->dns);
  check->callback([&cli, options] { cli.action = [options] { return run_check(*options); }; });
}

const Registration kRegistration{45, add_rdns_command};

}  // namespace
}  // namespace cli
