// bounces_report_command.cpp — `relayctl bounces report [--campaign ID] [--since T] [--until T]
// [--domain D] [--format table|csv|json|html] [--output FILE]`: the report of campaigns/bounces/report
// on the [campaigns] database, to stdout or to FILE (written beside it and renamed over it).
// Errors: a bad --since/--until/--format/--domain exits 2 naming the flag and the forms it takes; an
// unknown campaign exits 1 naming the campaigns known; an unusable database 2, a locked one 3; a file that
// cannot be written 2. Untrusted input: the flags (bound parameters only); the report's texts are escaped
// by its renderers.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "campaigns/bounces/report/report.hpp"
#include "campaigns/bounces/report/report_render.hpp"
#include "campaigns/bounces/report/report_time.hpp"
#include "campaigns/store/campaign_store.hpp"
#include "cli/bounces_group.hpp"
#include "cli/campaign_context.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"

namespace cli {

namespace {

struct ReportOptions {
  std::string config, campaign, since, until, domain, format = "table", output;
};

std::optional<std::chrono::sys_seconds> parse_time_flag(const std::string& flag, const std::string& value,
                                                        bool& ok) {
  if (value.empty()) return std::nullopt;
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto parsed = campaigns::parse_report_time(value, now);
  if (!parsed) {
    print_error(flag + " '" + value + "' is not a time: use " + std::string(campaigns::kReportTimeForms));
    ok = false;
  }
  return parsed;
}

bool valid_domain(const std::string& domain) {
  return !domain.empty() && domain.size() <= 253 && domain.find('@') == std::string::npos &&
         domain.find_first_of(" \t\r\n") == std::string::npos;
}

int write_output(const std::string& file, const std::string& text) {
  if (file.empty() || file == "-") {
    std::cout << text;
    return kOk;
  }
  std::filesystem::path target = file;
  if (!write_file_atomically(target, [&text](std::ostream& out) { out << text; })) return kUsage;
  std::cerr << "relayctl: report written to " << target.string() << "\n";
  return kOk;
}

int run_report(const ReportOptions& options) {
  auto format = campaigns::parse_report_format(options.format);
  if (!format) {
    print_error("--format '" + options.format + "' is not a format: use table, csv, json or html");
    return kUsage;
  }
  bool ok = true;
  campaigns::ReportFilter filter;
  filter.campaign = options.campaign;
  filter.since = parse_time_flag("--since", options.since, ok);
  filter.until = parse_time_flag("--until", options.until, ok);
  if (!options.domain.empty() && !valid_domain(options.domain)) {
    print_error("--domain '" + options.domain +
                "' is not a domain: give the recipients' domain, like example.com");
    ok = false;
  }
  filter.domain = options.domain;
  if (ok && filter.since && filter.until && *filter.until <= *filter.since) {
    print_error("--until must be later than --since");
    ok = false;
  }
  if (!ok) return kUsage;

  auto loaded = load_config(options.config);
  if (!loaded) return kUsage;
  auto database = open_campaigns_database(*loaded);
  if (!database) return kUsage;
  try {
    auto report = campaigns::build_report(*database, filter);
    if (!report) {
      std::string known;
      for (const auto& c : campaigns::CampaignStore(*database).list())
        known += (known.empty() ? "" : ", ") + c.campaign.id;
      print_error("no campaign '" + filter.campaign + "' in the campaigns database; " +
                  (known.empty() ? "no campaign has been sent" : "the campaigns are: " + known));
      return kCheckFailed;
    }
    return write_output(options.output, campaigns::render_report(*report, *format));
  } catch (const campaigns::StoreError& error) {
    print_error(std::string(error.what()) +
                (error.busy() ? "; another process holds the database, try again" : ""));
    return int{error.busy() ? kTemporary : kUsage};
  }
}

void add_bounces_report_command(CLI::App& app, Cli& cli) {
  auto* group = bounces_command_group(app);
  auto options = std::make_shared<ReportOptions>();
  auto* report = group->add_subcommand(
      "report",
      "Report on delivery events: delivered, deferred, bounced, complained, by class, provider, domain");
  report->footer(
      "Counts add up: recipients = delivered + bounced + deferred (+ queued + skipped + refused + pending "
      "for\n"
      "a campaign). csv: one row per recipient. json: see docs/bounces.md. html: one self-contained page.\n"
      "Exit 1 when --campaign names no campaign.");
  add_config_option(*report, options->config);
  report->add_option("--campaign", options->campaign, "Only this campaign's recipients and events");
  report->add_option(
      "--since", options->since,
      "Only events at or after T: RFC 3339 (2024-05-01T12:00:00Z), Unix seconds, or 7d, 12h ago");
  report->add_option("--until", options->until, "Only events before T (the same forms)");
  report->add_option("--domain", options->domain, "Only recipients at this domain");
  report->add_option("--format", options->format, "table (default), csv, json or html");
  report->add_option("--output", options->output, "Write to FILE (atomically) instead of stdout");
  report->callback([&cli, options] { cli.action = [options] { return run_report(*options); }; });
}

const Registration kRegistration{73, add_bounces_report_command};

}  // namespace
}  // namespace cli
