// campaign_send_command.cpp — `relayctl campaign send FILE [--dry-run] [--resume]`: reads the recipients,
// records the campaign and one row per CSV row in the campaigns database (or, with --resume, checks the CSV
// is the one recorded and picks up the rows still pending), then injects the messages into the running
// daemon (campaigns/send/sender) and reports the counts. --dry-run only counts and reports problems.
// Errors: exit 2 for a bad campaign, configuration, a reused campaign id without --resume, or --resume with
// a changed CSV; 3 when the daemon is unreachable (at once) or stays away (after --give-up-after), when
// interrupted, or when the database stays locked — the state is then resumable; 1 when recipients were
// refused; 2 too when the daemon refuses the [campaigns] inject_user login (nothing is marked refused, the
// state is resumable). Untrusted input: the campaign, its CSV and the daemon's replies.
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <unistd.h>

#include "campaigns/store/campaign_store.hpp"
#include "campaigns/message/message_builder.hpp"
#include "campaigns/campaign/recipients.hpp"
#include "campaigns/send/sender.hpp"
#include "campaigns/suppression/sqlite_suppression_store.hpp"
#include "cli/campaign_context.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "mta/config/secret_file.hpp"

namespace cli {
namespace {

struct SendOptions {
  std::string config;
  std::string file;
  bool dry_run = false;
  bool resume = false;
  unsigned connections = 0;  // 0: [campaigns] inject_connections
  unsigned give_up_after = 60;
  std::size_t problems = 20;
};

struct RowCounts {
  std::size_t rows = 0, usable = 0;
  std::array<std::size_t, campaigns::kSkipReasons> by_reason{};
};

// Pass one: every row, checked (address, repeats, suppression), handed to each as it will be recorded
// (each returns false to stop); nothing is held in memory. False on a problem already reported.
bool read_rows(const CampaignContext& context, const SendOptions& options,
               const std::function<bool(const campaigns::RecipientRecord&)>& each, RowCounts& counts) {
  const std::string csv_name = context.campaign.recipients.string();
  std::ifstream csv(context.campaign.recipients, std::ios::binary);
  if (!csv) {
    print_error("cannot read " + csv_name + ": " + std::strerror(errno));
    return false;
  }
  campaigns::SqliteSuppressionStore suppression(*context.database);
  campaigns::RecipientReader reader(csv, suppression);
  if (!reader.header_error().empty()) {
    print_error(csv_name + ": " + reader.header_error());
    return false;
  }
  campaigns::MessageBuilder builder(context.campaign, *context.secret, reader.columns());
  if (auto unknown = builder.unknown_fields(); !unknown.empty()) {
    for (const auto& problem : unknown)
      print_error(problem + " (columns of " + csv_name +
                  " and email, recipient_id, campaign_id, unsubscribe_url, view_online_url)");
    return false;
  }
  std::size_t reported = 0;
  campaigns::RecipientRow row;
  campaigns::RecipientRecord record;
  while (reader.next(row)) {
    ++counts.rows;
    record = {};
    record.line = static_cast<std::int64_t>(row.line);
    if (row.id) record.recipient_id = row.id->str();
    if (row.skip != campaigns::SkipReason::invalid_address && row.skip != campaigns::SkipReason::malformed)
      record.address = row.address.str();
    std::optional<campaigns::SkipReason> skip = row.skip;
    std::string problem = row.problem;
    if (!skip && options.dry_run) {  // the renderer finds missing fields; a dry run renders to report them
      auto message = builder.build(row);
      if (!message.problem.empty()) {
        skip = campaigns::SkipReason::missing_field;
        problem = message.problem;
      }
    }
    if (skip) {
      record.state = campaigns::RecipientState::skipped;
      record.reason = std::string(campaigns::skip_reason_name(*skip));
      record.detail = problem;
      ++counts.by_reason[static_cast<std::size_t>(*skip)];
      if (reported++ < options.problems)
        std::cerr << "relayctl: " << csv_name << ":" << row.line << ": skipped: " << to_string(*skip) << ": "
                  << problem << "\n";
    } else {
      ++counts.usable;
    }
    if (!each(record)) return false;
  }
  if (csv.bad()) {
    print_error("reading " + csv_name + " failed part-way");
    return false;
  }
  if (reported > options.problems)
    std::cerr << "relayctl: ... and " << reported - options.problems << " more skipped rows\n";
  return true;
}

std::string skipped_text(const std::array<std::size_t, campaigns::kSkipReasons>& by_reason) {
  std::string text;
  for (std::size_t i = 0; i < by_reason.size(); ++i)
    if (by_reason[i] > 0)
      text += (text.empty() ? "" : ", ") + std::string(to_string(static_cast<campaigns::SkipReason>(i))) +
              " " + std::to_string(by_reason[i]);
  return text;
}

void report_changed(const std::string& csv_name, const std::string& id, const campaigns::RecipientRecord* was,
                    const campaigns::RecipientRecord* now) {
  auto describe = [](const campaigns::RecipientRecord* row) {
    return !row ? std::string("not there") : row->address.empty() ? "a row without an address" : row->address;
  };
  auto line = std::to_string(now ? now->line : was->line);
  print_error(
      csv_name + ":" + line + ": the recipients CSV changed since campaign '" + id + "' began (line " + line +
      " was " + describe(was) + ", now " + describe(now) +
      "); --resume needs the list it began with: restore it, or send this list under a new campaign id");
}

// --resume: the CSV must be the one recorded, row for row. Rows suppressed since are skipped now.
bool reconcile(const CampaignContext& context, const SendOptions& options, campaigns::CampaignStore& store,
               const std::string& id, RowCounts& counts) {
  const std::string csv_name = context.campaign.recipients.string();
  std::vector<campaigns::RecipientRecord> newly_skipped;
  bool changed = false;
  campaigns::RecipientRecord was;
  {
    campaigns::CampaignStore::Cursor stored(store, id);
    bool read = read_rows(
        context, options,
        [&](const campaigns::RecipientRecord& now) {
          bool have = stored.next(was);
          if (!have || was.line != now.line || was.address != now.address) {
            report_changed(csv_name, id, have ? &was : nullptr, &now);
            changed = true;
            return false;
          }
          if (was.state == campaigns::RecipientState::pending &&
              now.state == campaigns::RecipientState::skipped)
            newly_skipped.push_back(now);
          return true;
        },
        counts);
    if (!read && !changed) return false;
    if (!changed && stored.next(was)) {
      report_changed(csv_name, id, &was, nullptr);
      changed = true;
    }
  }
  if (changed) return false;
  for (const auto& row : newly_skipped)
    store.mark_skipped(id, row.line, row.reason, row.detail);
  return true;
}

// [campaigns] inject, else the first relay listener (submission with inject_user: it logs in).
std::optional<asio::ip::tcp::endpoint> inject_endpoint(const LoadedConfig& loaded) {
  const auto& settings = loaded.config.campaigns;
  if (settings.inject) {
    if (auto ip = settings.inject->ip()) return asio::ip::tcp::endpoint(*ip, settings.inject->port);
  }
  const bool submission = !settings.inject_user.empty();
  const auto kind = submission ? mta::config::ListenerKind::submission : mta::config::ListenerKind::relay;
  for (const auto& listener : loaded.config.server.listeners)
    if (listener.kind == kind) {
      std::error_code ec;
      auto address = asio::ip::make_address(listener.address, ec);
      if (!ec) return asio::ip::tcp::endpoint(address, listener.port);
    }
  if (submission)
    print_error(loaded.source +
                ": no daemon to inject into: set [campaigns] inject = \"IP:PORT\" to a submission listener "
                "of `relayctl serve` (inject_user logs in there), or add a [[server.listener]] of kind "
                "\"submission\"");
  else
    print_error(loaded.source +
                ": no daemon to inject into: set [campaigns] inject = \"IP:PORT\" to a relay listener of "
                "`relayctl serve` that trusts this host, or add a [[server.listener]] of kind \"relay\"");
  return std::nullopt;
}

// [campaigns] inject_user and the password from inject_password_file; false (reported) when unreadable.
bool inject_credentials(const LoadedConfig& loaded, campaigns::send::InjectorSettings& settings) {
  const auto& campaigns = loaded.config.campaigns;
  if (campaigns.inject_user.empty()) return true;
  auto read = mta::config::read_secret_file(campaigns.inject_password_file, 1);
  if (!read.error.empty()) {
    print_error(loaded.source + ": [campaigns] inject_password_file: " + read.error);
    return false;
  }
  settings.credentials = mta::delivery::Credentials{campaigns.inject_user, std::move(read.secret)};
  return true;
}

campaigns::send::InjectorSettings injector_settings(const CampaignContext& context,
                                                    const SendOptions& options,
                                                    const asio::ip::tcp::endpoint& endpoint) {
  campaigns::send::InjectorSettings settings;
  settings.daemon = endpoint;
  settings.connections =
      options.connections ? options.connections : context.loaded.config.campaigns.inject_connections;
  settings.ehlo_name = mta::config::machine_hostname();
  settings.give_up_after = std::chrono::seconds(options.give_up_after);
  settings.rate = context.campaign.rate;
  if (context.campaign.window) {
    settings.window = context.campaign.window;
    settings.zone = campaigns::send::ZoneOffsets::sample(
        context.campaign.window->time_zone,
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  }
  return settings;
}

// The lines still pending (by line number), and how many.
std::pair<std::vector<bool>, std::int64_t> pending_lines(const campaigns::CampaignStore& store,
                                                         const std::string& id) {
  std::vector<bool> pending;
  std::int64_t count = 0;
  campaigns::RecipientRecord row;
  for (campaigns::CampaignStore::Cursor cursor(store, id); cursor.next(row);) {
    if (row.state != campaigns::RecipientState::pending) continue;
    auto line = static_cast<std::size_t>(row.line);
    if (pending.size() <= line) pending.resize(line + 1);
    pending[line] = true;
    ++count;
  }
  return {std::move(pending), count};
}

int send(const SendOptions& options) {
  auto context = load_campaign_context(options.config, options.file);
  if (!context) return kUsage;
  const auto& campaign = context->campaign;
  const std::string id = campaign.id.str();
  RowCounts rows;
  if (options.dry_run) {
    if (!read_rows(
            *context, options, [](const campaigns::RecipientRecord&) { return true; }, rows))
      return kUsage;
    std::size_t skipped = rows.rows - rows.usable;
    std::cout << "campaign " << id << ": dry run of " << options.file << "\n";
    std::cout << "recipients: " << rows.rows << " rows, " << rows.usable << " to send, " << skipped
              << " skipped";
    if (skipped > 0) std::cout << " (" << skipped_text(rows.by_reason) << ")";
    std::cout << "\nnothing was sent or recorded\n";
    return kOk;
  }

  auto endpoint = inject_endpoint(context->loaded);
  if (!endpoint) return kUsage;
  campaigns::CampaignStore store(*context->database);
  auto existing = store.find(id);
  if (existing && !options.resume) {
    print_error("campaign '" + id + "' was already sent (from " + existing->file + ", state " +
                existing->state + "): run `relayctl campaign send " + options.file +
                " --resume` to go on with it, or give this campaign a new id in " + options.file);
    return kUsage;
  }
  if (existing) {
    if (!reconcile(*context, options, store, id, rows)) return kUsage;
  } else {
    campaigns::CampaignStore::Writer writer(
        store,
        {id, campaign.name, std::filesystem::absolute(options.file).string(), campaign.pool,
         campaign.bounce.local + "@" + campaign.bounce.domain, campaign.unsubscribe_mailto, "sending", 0, 0});
    if (!read_rows(
            *context, options,
            [&](const campaigns::RecipientRecord& row) {
              writer.add(row);
              return true;
            },
            rows))
      return kUsage;
    writer.commit();
  }
  auto settings = injector_settings(*context, options, *endpoint);
  if (!inject_credentials(context->loaded, settings)) return kUsage;
  auto [pending, pending_count] = pending_lines(store, id);
  if (existing)
    std::cout << "campaign " << id << ": resuming, " << pending_count << " recipients left to send\n";
  campaigns::send::SendRequest request{campaign, *context->secret, std::move(pending),        pending_count,
                                       settings, std::cerr,        isatty(STDERR_FILENO) == 1};
  auto report = campaigns::send::run_send(request, store);

  auto counts = store.counts(id);
  if (counts && counts->pending == 0) store.set_state(id, "done");
  double rate =
      report.seconds > 0 ? double(report.counts.injected + report.counts.refused) / report.seconds : 0;
  double render_rate = report.render_seconds > 0 ? double(report.rendered) / report.render_seconds : 0;
  std::cout << "campaign " << id << ": " << report.counts.injected << " injected, " << report.counts.refused
            << " refused, " << report.counts.skipped << " skipped while rendering in "
            << std::fixed << std::setprecision(2) << report.seconds << std::defaultfloat << " s (" << static_cast<long long>(rate) << " msg/s; rendering alone "
            << static_cast<long long>(render_rate) << " msg/s)\n";
  if (counts)
    std::cout << "campaign " << id << ": " << counts->recipients << " recipients: " << counts->injected
              << " injected, " << counts->refused << " refused, " << counts->skipped << " skipped, "
              << counts->pending << " pending\n";
  if (report.end == campaigns::send::InjectorEnd::auth_failed) {
    print_error(report.reason + ": check [campaigns] inject_user and inject_password_file in " +
                context->loaded.source + " against the daemon's users (`relayctl users list`), and that " +
                "[campaigns] inject is a submission listener; nothing was marked refused: run `relayctl " +
                "campaign send " + options.file + " --resume` once that is fixed");
    return kUsage;
  }
  if (report.end == campaigns::send::InjectorEnd::gave_up) {
    print_error(report.reason + "; the campaign's state is saved: run `relayctl campaign send " +
                options.file + " --resume` to go on once that is fixed");
    return kTemporary;
  }
  if (report.interrupted || report.end == campaigns::send::InjectorEnd::stopped) {
    print_error("interrupted; run `relayctl campaign send " + options.file + " --resume` to go on");
    return kTemporary;
  }
  return report.counts.refused > 0 ? kCheckFailed : kOk;
}

void add_campaign_send_command(CLI::App& app, Cli& cli) {
  auto* campaign = app.get_subcommand("campaign");
  auto options = std::make_shared<SendOptions>();
  auto* command = campaign->add_subcommand(
      "send",
      "Send a campaign: record it and its recipients in the campaigns database and inject every message "
      "into the running daemon over SMTP");
  command->footer(
      "Messages go to [campaigns] inject (default: the first relay listener of the configuration) on\n"
      "[campaigns] inject_connections connections (default 16), pipelined, many messages per connection;\n"
      "the daemon signs, spools, shapes and delivers them. With [campaigns] inject_user and\n"
      "inject_password_file, inject is a submission listener (default: the first one) and each connection\n"
      "logs in with AUTH PLAIN, over STARTTLS when offered (required unless the daemon is on loopback).\n"
      "Each recipient is marked injected (with the daemon's queue id) or refused (its 5xx reply) as the\n"
      "answer arrives, so an interrupted send goes on with --resume, mailing again at most the messages\n"
      "in flight (one per connection). The campaign's [window] and [rate] are honoured. Progress goes to\n"
      "stderr: a bar on a terminal, a line every 10 s otherwise.\n"
      "Exit 0 when every recipient was injected or skipped, 1 when some were refused, 2 for a bad campaign,\n"
      "configuration (a login the daemon refuses too: nothing is marked refused), a campaign id already\n"
      "sent (without --resume) or a changed CSV (with --resume), 3 when the daemon cannot be reached or\n"
      "stays away, on Ctrl-C, or when the database stays locked (then run again with --resume). See\n"
      "docs/campaigns.md, \"Sending\".");
  add_config_option(*command, options->config);
  command->add_option("FILE", options->file, "The campaign's TOML file")->required();
  command->add_flag("--dry-run", options->dry_run,
                    "Read and render every recipient and print the counts and first problems; send and "
                    "record nothing");
  command->add_flag("--resume", options->resume,
                    "Go on with a campaign begun before (interrupted, or the daemon went away): send the "
                    "recipients still pending; the CSV must be unchanged");
  command
      ->add_option("--connections", options->connections,
                   "Connections to the daemon (default: [campaigns] inject_connections)")
      ->type_name("N")
      ->check(CLI::Range(1, 64));
  command
      ->add_option("--give-up-after", options->give_up_after,
                   "Stop (exit 3, resumable) when the daemon has been unreachable or answering 4xx for "
                   "this many seconds (default 60)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 86400));
  command->add_option("--problems", options->problems, "Report at most N skipped rows (default 20)")
      ->type_name("N");
  command->callback([&cli, options] {
    cli.action = [options] {
      try {
        return send(*options);
      } catch (const campaigns::StoreError& error) {
        print_error(std::string(error.what()) +
                    (error.busy() ? "; another process holds the database, try again" : ""));
        return int{error.busy() ? kTemporary : kUsage};
      }
    };
  });
}

const Registration kRegistration{58, add_campaign_send_command};

}  // namespace
}  // namespace cli
