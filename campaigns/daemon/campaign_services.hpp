// campaign_services.hpp — what campaigns add to `relayctl serve` (mta::server::CampaignStarter): with
// [campaigns] token_secret_file set (or check_suppression = "all"), a CampaignDirectory as the daemon's
// campaign hooks, and with [web] listen the one-click unsubscribe endpoint. Errors: a message naming the key
// or file to fix (the daemon exits 2). Untrusted input: none here (see campaign_directory.hpp and web/).
#pragma once

#include <string>

#include "mta/config/config.hpp"
#include "mta/server/daemon.hpp"

namespace campaigns {

mta::server::CampaignServices start_campaign_services(const mta::config::Config& config,
                                                      const mta::server::TlsFiles& tls,
                                                      mta::server::Metrics& metrics, std::string& error);

}  // namespace campaigns
