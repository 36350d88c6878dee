// campaign_services.hpp — what campaigns add to `relayctl serve` (mta::server::CampaignStarter): with
// [campaigns] token_secret_file set (or check_suppression = "all"), a CampaignDirectory as the daemon's
// campaign hooks, with [web] listen the one-click unsubscribe endpoint, and with [bounces] record_events
// (the default) the recorder of delivery events (bounces/events/event_recorder.hpp), labelling them with
// the [bounces] classifier, and the consumer of mail to the bounce mailboxes (bounces/intake/). Errors: a message naming the key or file to fix (the daemon exits 2). Untrusted input: none
// here (see campaign_directory.hpp, web/ and bounces/events/).
#pragma once

#include <string>

#include "campaigns/bounces/events/event_recorder.hpp"
#include "mta/config/config.hpp"
#include "mta/server/daemon.hpp"

namespace campaigns {

mta::server::CampaignServices start_campaign_services(const mta::config::Config& config,
                                                      const mta::server::TlsFiles& tls,
                                                      mta::server::Metrics& metrics, std::string& error);

}  // namespace campaigns
