// bounces_parse_command.cpp — `relayctl bounces parse [--json] [--recipient ADDR] FILE|-`: what relayctl
// makes of one bounce or complaint message, exactly as the daemon reads it at its bounce mailboxes
// (campaigns/bounces/intake/bounce_reading): its kind (dsn, arf, plain-bounce, auto-reply, unknown), each
// recipient it reports with action, status, diagnostic, class and hard/soft, the complaint's fields, and
// the VERP token's campaign and recipient (valid, forged or none; "unchecked" without [campaigns]
// token_secret_file). --recipient is the envelope recipient the message arrived for (where a DSN's token
// usually is). Errors: an unreadable file, a bad configuration or bad bounce rules exit 2 naming them.
// Untrusted input: the message (bounded by the parser: 10 MB, MIME depth, parts, recipients).
#include <fstream>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "campaigns/bounces/classify/classifier.hpp"
#include "campaigns/bounces/intake/bounce_reading.hpp"
#include "campaigns/tokens/token_secret.hpp"
#include "cli/bounces_group.hpp"
#include "cli/common.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"

namespace cli {
namespace {

// More than the parser reads (it cuts at 10 MB and says so), so a cut is reported, not hidden.
constexpr std::size_t kMaxInput = 10 * 1024 * 1024 + 1;

struct Options {
  std::string config, file, recipient;
  bool json = false;
};

std::optional<std::string> read_input(const std::string& file) {
  std::string data;
  if (file == "-") {
    data.resize(kMaxInput);
    std::cin.read(data.data(), static_cast<std::streamsize>(kMaxInput));
    data.resize(static_cast<std::size_t>(std::cin.gcount()));
    return data;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  data.resize(kMaxInput);
  in.read(data.data(), static_cast<std::streamsize>(kMaxInput));
  data.resize(static_cast<std::size_t>(in.gcount()));
  return data;
}

std::string token_status(const campaigns::BounceReading& reading, bool checked) {
  return checked ? std::string(campaigns::to_string(reading.token.status)) : "unchecked";
}

nlohmann::json to_json(const campaigns::BounceReading& reading, bool checked) {
  const auto& p = reading.parsed;
  nlohmann::json token{{"status", token_status(reading, checked)}, {"campaign", nullptr}, {"recipient", nullptr},
                       {"address", reading.token.address.empty() ? nlohmann::json(nullptr)
                                                                 : nlohmann::json(reading.token.address)}};
  if (reading.token.ids) {
    token["campaign"] = reading.token.ids->campaign.str();
    token["recipient"] = reading.token.ids->recipient.str();
  }
  auto recipients = nlohmann::json::array();
  for (const auto& r : reading.recipients) {
    nlohmann::json item{{"address", r.report.address},
                        {"original_recipient", r.report.original_recipient},
                        {"action", r.report.action},
                        {"status", r.report.status},
                        {"diagnostic", r.report.diagnostic},
                        {"remote_mta", r.report.remote_mta},
                        {"class", nullptr},
                        {"severity", nullptr},
                        {"rule", nullptr}};
    if (r.classification) {
      item["class"] = campaigns::to_string(r.classification->bounce_class);
      item["severity"] = campaigns::to_string(r.classification->severity);
      item["rule"] = r.classification->rule;
    }
    recipients.push_back(std::move(item));
  }
  nlohmann::json complaint = nullptr;
  if (p.arf)
    complaint = {{"feedback_type", p.arf->feedback_type},     {"user_agent", p.arf->user_agent},
                 {"version", p.arf->version},                 {"original_mail_from", p.arf->original_mail_from},
                 {"original_rcpt_to", p.arf->original_rcpt_to}, {"arrival_date", p.arf->arrival_date},
                 {"source_ip", p.arf->source_ip},             {"reported_domains", p.arf->reported_domains}};
  return {{"kind", campaigns::to_string(p.kind)},
          {"detail", p.detail},
          {"message_id", p.message_id},
          {"from", p.from},
          {"subject", p.subject},
          {"reporting_mta", p.dsn.reporting_mta},
          {"original_message_id", p.original_message_id},
          {"original_return_path", p.original_return_path},
          {"token", token},
          {"recipients", recipients},
          {"complaint", complaint},
          {"problems", p.problems},
          {"truncated", p.truncated}};
}

void print_text(const campaigns::BounceReading& reading, bool checked) {
  const auto& p = reading.parsed;
  auto line = [](const std::string& key, const std::string& value) {
    if (!value.empty()) std::cout << key << value << "\n";
  };
  std::cout << "kind:          " << campaigns::to_string(p.kind) << (p.detail.empty() ? "" : " (" + p.detail + ")")
            << "\n";
  line("message-id:    ", p.message_id);
  line("from:          ", p.from);
  line("subject:       ", p.subject);
  line("reporting-mta: ", p.dsn.reporting_mta);
  line("original:      ", p.original_message_id);
  line("return-path:   ", p.original_return_path);
  std::cout << "token:         " << token_status(reading, checked);
  if (reading.token.ids)
    std::cout << ": campaign " << reading.token.ids->campaign.str() << ", recipient "
              << reading.token.ids->recipient.str();
  if (!reading.token.address.empty()) std::cout << " (" << reading.token.address << ")";
  if (!checked) std::cout << " — set [campaigns] token_secret_file to check tokens";
  std::cout << "\n";
  for (const auto& r : reading.recipients) {
    std::cout << "recipient:     " << r.report.address << "\n";
    line("  action:      ", r.report.action);
    line("  status:      ", r.report.status);
    line("  diagnostic:  ", r.report.diagnostic);
    line("  remote-mta:  ", r.report.remote_mta);
    if (r.classification)
      std::cout << "  class:       " << campaigns::to_string(r.classification->bounce_class) << " ("
                << campaigns::to_string(r.classification->severity) << "; rule " << r.classification->rule
                << ")\n";
  }
  if (p.arf) {
    std::cout << "complaint:     feedback-type " << p.arf->feedback_type << "\n";
    line("  user-agent:  ", p.arf->user_agent);
    line("  mail-from:   ", p.arf->original_mail_from);
    for (const auto& to : p.arf->original_rcpt_to) line("  rcpt-to:     ", to);
    line("  source-ip:   ", p.arf->source_ip);
  }
  for (const auto& problem : p.problems) std::cout << "problem:       " << problem << "\n";
  if (p.truncated) std::cout << "problem:       the message was cut at a limit\n";
}

int parse(const Options& options) {
  auto loaded = load_config(options.config);
  if (!loaded) return kUsage;
  auto load = campaigns::load_classifier(loaded->config.bounces);
  if (!load.classifier) {
    for (const auto& line : campaigns::format_errors(load, loaded->source)) print_error(line);
    return kUsage;
  }
  std::optional<campaigns::TokenSecret> secret;
  if (!loaded->config.campaigns.token_secret_file.empty()) {
    auto read = campaigns::TokenSecret::load(loaded->config.campaigns.token_secret_file);
    if (!read.secret) {
      print_error(read.error);
      return kUsage;
    }
    secret = std::move(read.secret);
  }
  auto input = read_input(options.file);
  if (!input) {
    print_error("cannot read " + options.file + ": give a message file (RFC 5322, as received), or - for stdin");
    return kUsage;
  }
  const campaigns::Classifier& classifier = *load.classifier;
  campaigns::Classify classify = [&classifier](std::string_view reply) { return classifier.classify(reply); };
  auto reading = campaigns::read_bounce(*input, options.recipient, secret ? &*secret : nullptr, classify);
  if (options.json)
    std::cout << to_json(reading, secret.has_value()).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  else
    print_text(reading, secret.has_value());
  return kOk;
}

void add_bounces_parse_command(CLI::App& app, Cli& cli) {
  auto* bounces = bounces_command_group(app);
  auto options = std::make_shared<Options>();
  auto* command = bounces->add_subcommand(
      "parse", "Show what relayctl makes of one bounce or complaint message (DSN, ARF, plain text, auto-reply)");
  command->footer(
      "Reads one message (FILE, or - for stdin) as the daemon reads mail to its bounce mailboxes: its kind\n"
      "(dsn, arf, plain-bounce, auto-reply, unknown); for each recipient it reports, the address, action,\n"
      "status, diagnostic, class and hard/soft (the [bounces] rules); a complaint's feedback fields; and the\n"
      "VERP token's campaign and recipient (valid, forged or none; checked with [campaigns]\n"
      "token_secret_file when set). Nothing is recorded. Exit 0, or 2 when the file cannot be read or the\n"
      "configuration or the rules are bad.");
  add_config_option(*command, options->config);
  command->add_flag("--json", options->json, "Print one JSON object (kind, token, recipients, complaint, problems)");
  command->add_option("--recipient", options->recipient,
                      "The envelope recipient the message arrived for (a DSN's VERP token is usually there)");
  command->add_option("FILE", options->file, "The message, or - for stdin")->required();
  command->callback([&cli, options] { cli.action = [options] { return parse(*options); }; });
}

const Registration kRegistration{72, add_bounces_parse_command};

}  // namespace
}  // namespace cli
