#include "cli/campaign_context.hpp"

#include <algorithm>

#include "mta/config/config_loader.hpp"

namespace cli {

std::unique_ptr<campaigns::Database> open_campaigns_database(const LoadedConfig& loaded) {
  auto opened = campaigns::Database::open(loaded.config.campaigns.database);
  if (!opened.database)
    print_error("cannot open the campaigns database: " + opened.error + " (" + loaded.source +
                ": [campaigns] database)");
  return std::move(opened.database);
}

std::optional<LoadedCampaign> load_campaign(const LoadedConfig& loaded, const std::string& file) {
  const auto& settings = loaded.config.campaigns;
  if (settings.token_secret_file.empty()) {
    print_error(loaded.source +
                ": [campaigns] token_secret_file is not set; campaign return paths and "
                "unsubscribe links are signed with it (see docs/campaigns.md)");
    return std::nullopt;
  }
  auto campaign_load = campaigns::load_campaign_file(file);
  for (const auto& diagnostic : campaign_load.errors)
    print_error(mta::config::format_diagnostic(campaign_load.source, diagnostic));
  if (!campaign_load.campaign) return std::nullopt;
  const campaigns::Campaign& campaign = *campaign_load.campaign;
  const auto& pools = loaded.config.delivery.pools;
  if (!campaign.pool.empty() &&
      std::none_of(pools.begin(), pools.end(), [&](const auto& p) { return p.name == campaign.pool; })) {
    std::string names;
    for (const auto& pool : pools)
      names += (names.empty() ? "" : ", ") + pool.name;
    print_error(file + ": pool: '" + campaign.pool + "' is not a [[delivery.pool]] of " + loaded.source +
                (names.empty() ? " (it defines none)" : " (its pools: " + names + ")") +
                "; name one of them, or define it");
    return std::nullopt;
  }
  auto secret = campaigns::TokenSecret::load(settings.token_secret_file);
  if (!secret.secret) {
    print_error(secret.error);
    return std::nullopt;
  }
  return LoadedCampaign{std::move(*campaign_load.campaign), std::move(secret.secret)};
}

std::optional<CampaignContext> load_campaign_context(const std::string& config_path,
                                                     const std::string& file) {
  auto loaded = load_config(config_path);
  if (!loaded) return std::nullopt;
  auto campaign = load_campaign(*loaded, file);
  if (!campaign) return std::nullopt;
  auto database = open_campaigns_database(*loaded);
  if (!database) return std::nullopt;
  return CampaignContext{std::move(*loaded), std::move(campaign->campaign), std::move(campaign->secret),
                         std::move(database)};
}

}  // namespace cli
