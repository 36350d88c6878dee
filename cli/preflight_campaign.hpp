// preflight_campaign.hpp — what `relayctl preflight --campaign FILE` adds to the preflight: the campaign
// loaded and one recipient's message rendered (campaigns/message/campaign_sample; nothing sent, nothing recorded),
// that message's checks, its From and bounce domains, its link domains, and the egress sources of the
// campaign's pool. Errors: a bad campaign file (FILE:LINE:COLUMN), an unknown pool, a missing token
// secret, a CSV with no row to render: printed, and nothing returned (the caller exits 2).
// Untrusted input: the campaign file, its templates and CSV (read by campaigns/).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/common.hpp"
#include "dns/preflight/report.hpp"

namespace cli {

struct CampaignPreflight {
  std::vector<dns::preflight::Finding> findings;  // which recipient was sampled, then the message checks
  std::string from_domain;
  std::string envelope_domain;            // the bounce domain (the rendered MAIL FROM's)
  std::vector<std::string> link_domains;  // registrable domains of the message's links
  std::string pool;                       // "" when the campaign and the sender rules name none
  std::vector<std::string> sources;       // the pool's egress source names (empty without a pool)
};

std::optional<CampaignPreflight> prepare_campaign(const std::string& file, const LoadedConfig& loaded);

// The registrable domain (public suffix list) of each link host, each once: what the domain lists list.
std::vector<std::string> registrable_link_domains(const std::vector<std::string>& hosts);

}  // namespace cli
