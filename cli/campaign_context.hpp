// campaign_context.hpp — what every `campaign` subcommand that reads a campaign loads first: the
// configuration, the campaign file (pool checked against the configuration), the token secret and the
// campaigns database (preflight --campaign loads all but the database). Errors: each problem is printed (FILE:LINE:COLUMN for the campaign file, the
// configuration key to fix otherwise) and nothing is returned; the caller exits kUsage.
// Untrusted input: the campaign file and its templates (campaigns/campaign/campaign_file).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "campaigns/campaign/campaign_file.hpp"
#include "campaigns/store/database.hpp"
#include "campaigns/tokens/token_secret.hpp"
#include "cli/common.hpp"

namespace cli {

struct CampaignContext {
  LoadedConfig loaded;
  campaigns::Campaign campaign;
  std::optional<campaigns::TokenSecret> secret;
  std::unique_ptr<campaigns::Database> database;
};

std::optional<CampaignContext> load_campaign_context(const std::string& config_path, const std::string& file);

// The campaign file (its pool checked against the configuration) and the token secret, each problem
// printed: what `preflight --campaign` needs, and the first half of load_campaign_context.
struct LoadedCampaign {
  campaigns::Campaign campaign;
  std::optional<campaigns::TokenSecret> secret;  // set
};
std::optional<LoadedCampaign> load_campaign(const LoadedConfig& loaded, const std::string& file);

// Opens [campaigns] database, printing why not (naming the configuration key) when it cannot.
std::unique_ptr<campaigns::Database> open_campaigns_database(const LoadedConfig& loaded);

}  // namespace cli
