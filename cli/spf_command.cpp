// spf_command.cpp — `relayctl spf check` (evaluate a sender's SPF policy for an IP, RFC 7208) and
// `relayctl spf lint` (find the mistakes in a domain's published policy). Thin: flags, dns::spf, print.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/dns_options.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "dns/spf/evaluator.hpp"
#include "dns/spf/lint.hpp"

namespace cli {
namespace {

struct CheckOptions {
  DnsOptions dns;
  std::string ip;
  std::string sender;
  std::string helo;
  bool json = false;
};

struct LintOptions {
  DnsOptions dns;
  std::string domain;
  bool json = false;
};

nlohmann::json to_json(const dns::spf::Outcome& outcome) {
  nlohmann::json out{{"result", std::string(to_string(outcome.result))},
                     {"domain", outcome.domain},
                     {"record", outcome.record},
                     {"mechanism", outcome.mechanism},
                     {"dns_lookups", outcome.dns_lookups},
                     {"void_lookups", outcome.void_lookups},
                     {"queries", outcome.queries}};
  if (outcome.result == dns::spf::Result::fail) out["explanation"] = outcome.explanation;
  if (!outcome.problem.empty()) out["problem"] = outcome.problem;
  return out;
}

void print(const std::string& label, const dns::spf::Outcome& outcome) {
  std::cout << label << to_string(outcome.result) << "\n";
  std::cout << "  domain:      " << outcome.domain << "\n";
  std::cout << "  record:      " << (outcome.record.empty() ? "(none)" : outcome.record) << "\n";
  if (!outcome.mechanism.empty()) std::cout << "  matched:     " << outcome.mechanism << "\n";
  if (outcome.result == dns::spf::Result::fail) std::cout << "  explanation: " << outcome.explanation << "\n";
  if (!outcome.problem.empty()) std::cout << "  problem:     " << outcome.problem << "\n";
  std::cout << "  lookups:     " << outcome.dns_lookups << " of 10 DNS-querying terms, "
            << outcome.void_lookups << " of 2 void lookups (" << outcome.queries << " DNS queries in all)\n";
}

int exit_code(dns::spf::Result result) {
  switch (result) {
    case dns::spf::Result::pass:
      return kOk;
    case dns::spf::Result::temperror:
      return kTemporary;
    default:
      return kCheckFailed;
  }
}

int run_check(const CheckOptions& options) {
  asio::error_code error;
  auto ip = asio::ip::make_address(options.ip, error);
  if (error) {
    print_error("--ip " + options.ip + ": not an IPv4 or IPv6 address");
    return kUsage;
  }
  if (options.sender.empty() && options.helo.empty()) {
    print_error(
        "--sender is empty (the null sender): give --helo NAME, whose policy is then checked (RFC 7208 "
        "§2.4)");
    return kUsage;
  }
  asio::io_context io;
  auto resolver = make_resolver(io, options.dns);
  if (!resolver) return kUsage;
  dns::spf::Request request;
  request.ip = ip;
  request.sender = options.sender;
  request.helo = options.helo;
  auto outcome = run_sync(io, dns::spf::check_sender(*resolver, request));
  std::optional<dns::spf::Outcome> helo;
  if (!options.helo.empty() && !options.sender.empty())
    helo = run_sync(io, dns::spf::check_helo(*resolver, request));

  if (options.json) {
    nlohmann::json out = to_json(outcome);
    out["ip"] = ip.to_string();
    out["sender"] = options.sender;
    if (helo) out["helo"] = to_json(*helo);
    std::cout << out.dump(2) << "\n";
  } else {
    print("SPF " + std::string(options.sender.empty() ? "HELO " + options.helo : options.sender) + " from " +
              ip.to_string() + ": ",
          outcome);
    if (helo) print("SPF HELO " + options.helo + ": ", *helo);
  }
  return exit_code(outcome.result);
}

int run_lint(const LintOptions& options) {
  asio::io_context io;
  auto resolver = make_resolver(io, options.dns);
  if (!resolver) return kUsage;
  auto report = run_sync(io, dns::spf::lint(*resolver, options.domain));
  if (options.json) {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& finding : report.findings)
      findings.push_back(
          {{"severity", finding.severity == dns::spf::LintFinding::Severity::error ? "error" : "warning"},
           {"code", finding.code},
           {"message", finding.message}});
    nlohmann::json out{{"domain", report.domain},
                       {"record", report.record},
                       {"findings", findings},
                       {"dns_lookups", report.dns_lookups},
                       {"void_lookups", report.void_lookups},
                       {"ok", !report.has_errors() && !report.temporary}};
    if (report.temporary) out["temporary_error"] = report.temporary_detail;
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "SPF lint " << report.domain
              << "\n  record:  " << (report.record.empty() ? "(none)" : report.record)
              << "\n  lookups: " << report.dns_lookups << " of 10 DNS-querying terms (through includes), "
              << report.void_lookups << " void\n";
    for (const auto& finding : report.findings)
      std::cout << "  "
                << (finding.severity == dns::spf::LintFinding::Severity::error ? "error:   " : "warning: ")
                << finding.message << " [" << finding.code << "]\n";
    if (report.temporary) std::cout << "  DNS failure, try again: " << report.temporary_detail << "\n";
    if (report.findings.empty() && !report.temporary) std::cout << "  no problems found\n";
  }
  if (report.temporary) return kTemporary;
  return report.has_errors() ? kCheckFailed : kOk;
}

void add_spf_command(CLI::App& app, Cli& cli) {
  auto* spf =
      app.add_subcommand("spf", "Check SPF (RFC 7208): evaluate a policy for an IP, or lint a record");
  spf->require_subcommand(1);

  auto check_options = std::make_shared<CheckOptions>();
  auto* check = spf->add_subcommand("check",
                                    "Evaluate the SPF policy of the sender's domain for a client IP, as a "
                                    "receiving MTA does: prints the result "
                                    "(none, neutral, pass, fail, softfail, temperror, permerror), the "
                                    "record, the mechanism that matched, the "
                                    "explanation on fail and the DNS lookups used. With --helo, the HELO "
                                    "identity is checked too. Exit 0 on "
                                    "pass, 1 on any other result, 3 on temperror, 2 on bad flags.");
  check->add_option("--ip", check_options->ip, "The SMTP client's IP address (IPv4 or IPv6)")
      ->required()
      ->type_name("IP");
  check
      ->add_option(
          "--sender", check_options->sender,
          "The MAIL FROM address (user@domain). \"\" is the null sender: then postmaster@HELO is checked")
      ->required()
      ->type_name("ADDR");
  check
      ->add_option("--helo", check_options->helo, "The HELO/EHLO name (for %{h} and the HELO identity check)")
      ->type_name("NAME");
  check->add_flag("--json", check_options->json,
                  "Print one JSON object: result, domain, record, mechanism, explanation (on fail), problem, "
                  "dns_lookups, void_lookups, and helo (the HELO identity's result)");
  add_dns_options(*check, check_options->dns);
  check->callback(
      [&cli, check_options] { cli.action = [check_options] { return run_check(*check_options); }; });

  auto lint_options = std::make_shared<LintOptions>();
  auto* lint = spf->add_subcommand(
      "lint",
      "Check a domain's published SPF record: one record only, syntax, at most 10 DNS-querying terms through "
      "includes, void lookups, +all or no all, deprecated ptr, length. Exit 0 when there are no errors "
      "(warnings allowed), 1 on errors, 3 when DNS failed.");
  lint->add_option("DOMAIN", lint_options->domain, "The domain whose SPF record to check")->required();
  lint->add_flag(
      "--json", lint_options->json,
      "Print one JSON object: domain, record, findings (severity, code, message), dns_lookups, ok");
  add_dns_options(*lint, lint_options->dns);
  lint->callback([&cli, lint_options] { cli.action = [lint_options] { return run_lint(*lint_options); }; });
}

const Registration kRegistration{30, add_spf_command};

}  // namespace
}  // namespace cli
