// campaign_command.cpp — `relayctl campaign check FILE`: validates a campaign (its TOML file, templates and
// recipients CSV), renders the message of every usable recipient without sending anything, prints the
// counts and the first problems, and can write the first rendered messages to a directory.
// Errors: a bad campaign file, template, CSV header, configuration or token secret exits 2 (each problem as
// FILE:LINE:COLUMN); skipped rows other than suppressed ones exit 1; a locked database exits 3.
// Untrusted input: the campaign file, its templates and the recipients CSV. `campaign send` sends
// (campaign_send_command.cpp).
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "campaigns/campaign/campaign_file.hpp"
#include "campaigns/message/message_builder.hpp"
#include "campaigns/message/message_check.hpp"
#include "campaigns/campaign/recipients.hpp"
#include "campaigns/suppression/sqlite_suppression_store.hpp"
#include "cli/campaign_context.hpp"
#include "cli/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"

namespace cli {
namespace {

struct Options {
  std::string config;
  std::string file;
  std::string out;
  std::size_t render = 10;
  std::size_t problems = 20;
};

bool write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return static_cast<bool>(out.flush());
}

int check(const Options& options) {
  auto context = load_campaign_context(options.config, options.file);
  if (!context) return kUsage;
  const campaigns::Campaign& campaign = context->campaign;
  std::ifstream csv(campaign.recipients, std::ios::binary);
  if (!csv) {
    print_error("cannot read " + campaign.recipients.string() + ": " + std::strerror(errno));
    return kUsage;
  }
  campaigns::SqliteSuppressionStore suppression(*context->database);
  const std::string csv_name = campaign.recipients.string();
  campaigns::RecipientReader reader(csv, suppression);
  if (!reader.header_error().empty()) {
    print_error(csv_name + ": " + reader.header_error());
    return kUsage;
  }
  campaigns::MessageBuilder builder(campaign, *context->secret, reader.columns());
  if (auto unknown = builder.unknown_fields(); !unknown.empty()) {
    for (const auto& problem : unknown)
      print_error(problem + " (columns of " + csv_name +
                  " and email, recipient_id, campaign_id, "
                  "unsubscribe_url, view_online_url)");
    return kUsage;
  }
  if (!options.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.out, ec);
    if (ec) {
      print_error("cannot create " + options.out + ": " + ec.message());
      return kUsage;
    }
  }

  std::size_t rows = 0, renderable = 0, skipped = 0, reported = 0;
  std::array<std::size_t, campaigns::kSkipReasons> by_reason{};
  std::vector<std::string> written;
  std::vector<dns::preflight::Finding> message_problems;
  campaigns::RecipientRow row;
  auto skip = [&](campaigns::SkipReason reason, const std::string& problem) {
    ++skipped;
    ++by_reason[static_cast<std::size_t>(reason)];
    if (reported++ < options.problems)
      std::cerr << "relayctl: " << csv_name << ":" << row.line << ": skipped: " << to_string(reason) << ": "
                << problem << "\n";
  };
  while (reader.next(row)) {
    ++rows;
    if (row.skip) {
      skip(*row.skip, row.problem);
      continue;
    }
    auto message = builder.build(row);
    if (!message.problem.empty()) {
      skip(campaigns::SkipReason::missing_field, message.problem);
      continue;
    }
    if (renderable++ == 0)
      for (auto& finding : campaigns::check_message(message.message).findings)
        if (finding.status == dns::preflight::Status::fail) message_problems.push_back(std::move(finding));
    if (!options.out.empty() && written.size() < options.render) {
      auto path = std::filesystem::path(options.out) / (row.id->str() + ".eml");
      if (!write_file(path, message.message)) {
        print_error("cannot write " + path.string() + ": " + std::strerror(errno));
        return kUsage;
      }
      written.push_back(path.string() + "  MAIL FROM:<" + message.envelope_from + "> RCPT TO:<" +
                        message.recipient + ">");
    }
  }
  if (csv.bad()) {
    print_error("reading " + csv_name + " failed part-way");
    return kUsage;
  }
  if (reported > options.problems)
    std::cerr << "relayctl: ... and " << reported - options.problems << " more skipped rows\n";
  for (const auto& finding : message_problems)
    print_error("rendered message: " + finding.check + ": " + finding.detail + "; " + finding.fix);

  std::cout << "campaign " << campaign.id.str() << ": " << options.file << " is valid\n";
  std::cout << "recipients: " << rows << " rows, " << renderable << " renderable, " << skipped << " skipped";
  if (skipped > 0) {
    std::cout << " (";
    bool first = true;
    for (std::size_t i = 0; i < by_reason.size(); ++i) {
      if (by_reason[i] == 0) continue;
      std::cout << (first ? "" : ", ") << to_string(static_cast<campaigns::SkipReason>(i)) << " "
                << by_reason[i];
      first = false;
    }
    std::cout << ")";
  }
  std::cout << "\n";
  for (const auto& line : written)
    std::cout << "wrote " << line << "\n";
  std::cout << "nothing was sent\n";
  if (!message_problems.empty()) return kCheckFailed;
  bool only_suppressed = skipped == by_reason[static_cast<std::size_t>(campaigns::SkipReason::suppressed)];
  return only_suppressed ? kOk : kCheckFailed;
}

void add_campaign_command(CLI::App& app, Cli& cli) {
  auto* campaign = app.add_subcommand(
      "campaign", "Campaigns: check, send (through the daemon), resume, list and show their status");
  campaign->require_subcommand(1);
  campaign->footer(
      "`campaign check` renders every message and sends nothing; `campaign send` injects them into the\n"
      "running daemon and records each recipient's state (`campaign status ID`).\n"
      "Templates are Mustache; their fields are the CSV columns (the header row must name an email\n"
      "column) and email, recipient_id, campaign_id, unsubscribe_url, view_online_url. A {{field}} is\n"
      "required unless the template also uses it as a section: {{^first_name}}there{{/first_name}} is its\n"
      "default. A part that does not use unsubscribe_url gets an unsubscribe footer.\n"
      "See docs/campaigns.md for the campaign file, templates and the recipients CSV.");
  auto options = std::make_shared<Options>();
  auto* check_command = campaign->add_subcommand(
      "check",
      "Validate a campaign file, its templates and recipients, and render every recipient's message "
      "(nothing is sent): prints the counts and the first skipped rows as FILE:LINE");
  check_command->footer(
      "Exit 0 when every row renders (suppressed rows are expected and do not count against it), 1 when\n"
      "rows were skipped for another reason (malformed row, invalid address, duplicate, missing field) or "
      "the\n"
      "first rendered message fails the message checks, 2 when the campaign file, a template, the CSV "
      "header\n"
      "or the configuration is wrong, 3 when the database stayed locked.");
  add_config_option(*check_command, options->config);
  check_command->add_option("FILE", options->file, "The campaign's TOML file")->required();
  check_command
      ->add_option("--out", options->out, "Write the first rendered messages here as RECIPIENT-ID.eml")
      ->type_name("DIR");
  check_command->add_option("--render", options->render, "How many messages --out writes (default 10)")
      ->type_name("N");
  check_command->add_option("--problems", options->problems, "Report at most N skipped rows (default 20)")
      ->type_name("N");
  check_command->callback([&cli, options] {
    cli.action = [options] {
      try {
        return check(*options);
      } catch (const campaigns::StoreError& error) {
        print_error(std::string(error.what()) +
                    (error.busy() ? "; another process holds the database, try again" : ""));
        return int{error.busy() ? kTemporary : kUsage};
      }
    };
  });
}

const Registration kRegistration{57, add_campaign_command};

}  // namespace
}  // namespace cli
