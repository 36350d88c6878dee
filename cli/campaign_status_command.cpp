// campaign_status_command.cpp — `relayctl campaign list` and `relayctl campaign status ID [--json]`: the
// campaigns recorded by `campaign send` and their recipients' counts (skipped by reason, pending, injected,
// refused), and, for `status`, the outcomes from the delivery events — delivered, deferred, bounced (hard
// and soft), complained, unsubscribed, queued (injected, no outcome yet) — counted by the same code as
// `bounces report --campaign ID` (campaigns/bounces/report), so the two never disagree.
// Errors: an unknown campaign id exits 1, naming `campaign list`; an unusable database exits 2, a locked
// one 3. Untrusted input: the id argument (a bound parameter only).
#include <iostream>

#include <nlohmann/json.hpp>

#include "campaigns/bounces/report/report.hpp"
#include "campaigns/store/campaign_store.hpp"
#include "cli/campaign_context.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"

namespace cli {
namespace {

struct StatusOptions {
  std::string config;
  std::string id;
  bool json = false;
};

struct Outcomes {
  std::int64_t delivered, deferred, bounced, hard, soft, complained, unsubscribed, queued;
};

Outcomes outcomes(const campaigns::Database& db, const std::string& id) {
  campaigns::ReportFilter filter;
  filter.campaign = id;
  auto report = campaigns::build_report(db, filter);
  if (!report) return {};
  const auto& c = report->counts;
  return {c.delivered, c.deferred, c.bounced, c.hard, c.soft, c.complained, c.unsubscribed, c.queued};
}

nlohmann::json to_json(const campaigns::CampaignCounts& c, const std::optional<Outcomes>& o = std::nullopt) {
  nlohmann::json skipped = nlohmann::json::object();
  for (const auto& [reason, n] : c.skipped_by_reason)
    skipped[reason] = n;
  nlohmann::json out{{"id", c.campaign.id},
                     {"name", c.campaign.name},
                     {"file", c.campaign.file},
                     {"pool", c.campaign.pool},
                     {"state", c.campaign.state},
                     {"created_at", c.campaign.created_at},
                     {"updated_at", c.campaign.updated_at},
                     {"recipients", c.recipients},
                     {"pending", c.pending},
                     {"skipped", c.skipped},
                     {"skipped_by_reason", skipped},
                     {"injected", c.injected},
                     {"refused", c.refused}};
  if (o) {
    out["delivered"] = o->delivered;
    out["deferred"] = o->deferred;
    out["bounced"] = o->bounced;
    out["bounced_hard"] = o->hard;
    out["bounced_soft"] = o->soft;
    out["complained"] = o->complained;
    out["unsubscribed"] = o->unsubscribed;
    out["queued"] = o->queued;
  }
  return out;
}

template <typename Body>
int with_store(const std::string& config, Body body) {
  auto loaded = load_config(config);
  if (!loaded) return kUsage;
  auto database = open_campaigns_database(*loaded);
  if (!database) return kUsage;
  try {
    campaigns::CampaignStore store(*database);
    return body(store, *database);
  } catch (const campaigns::StoreError& error) {
    print_error(std::string(error.what()) +
                (error.busy() ? "; another process holds the database, try again" : ""));
    return int{error.busy() ? kTemporary : kUsage};
  }
}

int list(const StatusOptions& options) {
  return with_store(options.config, [&](campaigns::CampaignStore& store, const campaigns::Database& db) {
    auto all = store.list();
    if (options.json) {
      auto out = nlohmann::json::array();
      for (const auto& c : all)
        out.push_back(to_json(c, outcomes(db, c.campaign.id)));
      std::cout << out.dump(2) << "\n";
      return int{kOk};
    }
    if (all.empty()) std::cout << "no campaigns have been sent\n";
    for (const auto& c : all)
      std::cout << c.campaign.id << "  " << c.campaign.state << "  " << c.recipients << " recipients, "
                << c.injected << " injected, " << c.refused << " refused, " << c.skipped << " skipped, "
                << c.pending << " pending  " << c.campaign.name << "\n";
    return int{kOk};
  });
}

int status(const StatusOptions& options) {
  return with_store(options.config, [&](campaigns::CampaignStore& store, const campaigns::Database& db) {
    auto counts = store.counts(options.id);
    if (!counts) {
      print_error("no campaign '" + options.id +
                  "' in the campaigns database; `relayctl campaign list` shows "
                  "those sent");
      return int{kCheckFailed};
    }
    auto o = outcomes(db, options.id);
    if (options.json) {
      std::cout << to_json(*counts, o).dump(2) << "\n";
      return int{kOk};
    }
    const auto& c = *counts;
    std::cout << "campaign " << c.campaign.id << (c.campaign.name.empty() ? "" : " (" + c.campaign.name + ")")
              << ": " << c.campaign.state << "\n"
              << "file:          " << c.campaign.file << "\n"
              << "pool:          " << (c.campaign.pool.empty() ? "(the daemon's choice)" : c.campaign.pool)
              << "\n"
              << "recipients:    " << c.recipients << "\n"
              << "skipped:       " << c.skipped;
    if (!c.skipped_by_reason.empty()) {
      std::string parts;
      for (const auto& [reason, n] : c.skipped_by_reason)
        parts += (parts.empty() ? "" : ", ") + reason + " " + std::to_string(n);
      std::cout << " (" << parts << ")";
    }
    std::cout << "\n"
              << "pending:       " << c.pending << "\n"
              << "injected:      " << c.injected << "\n"
              << "refused:       " << c.refused << "\n";
    std::cout << "delivered:     " << o.delivered << "\n"
              << "deferred:      " << o.deferred << "\n"
              << "bounced:       " << o.bounced << " (hard " << o.hard << ", soft " << o.soft << ")\n"
              << "complained:    " << o.complained << "\n"
              << "unsubscribed:  " << o.unsubscribed << "\n"
              << "queued:        " << o.queued << " (injected, no outcome recorded yet)\n"
              << "`relayctl bounces report --campaign " << c.campaign.id << "` shows why and where\n";
    return int{kOk};
  });
}

void add_campaign_status_commands(CLI::App& app, Cli& cli) {
  auto* campaign = app.get_subcommand("campaign");
  auto options = std::make_shared<StatusOptions>();
  auto* list_command = campaign->add_subcommand(
      "list", "List the campaigns sent, newest first, with their recipients' counts");
  add_config_option(*list_command, options->config);
  list_command->add_flag("--json", options->json, "Print a JSON array, one object as `status --json` prints");
  list_command->callback([&cli, options] { cli.action = [options] { return list(*options); }; });

  auto* status_command = campaign->add_subcommand(
      "status",
      "Show one campaign's counts: recipients, skipped, pending, injected, refused, delivered, bounced, ...");
  status_command->footer(
      "recipients = skipped + pending + injected + refused; injected = delivered + bounced + deferred + "
      "queued\n"
      "(from the delivery events, as `bounces report` counts them). Exit 1 when there is no such campaign.");
  add_config_option(*status_command, options->config);
  status_command->add_option("ID", options->id, "The campaign id (the campaign file's id)")->required();
  status_command->add_flag("--json", options->json, "Print one JSON object");
  status_command->callback([&cli, options] { cli.action = [options] { return status(*options); }; });
}

const Registration kRegistration{59, add_campaign_status_commands};

}  // namespace
}  // namespace cli
