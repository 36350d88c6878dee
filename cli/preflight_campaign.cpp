// preflight_campaign.cpp — the campaign part of `relayctl preflight`: loads the campaign as `campaign
// check` does (cli/campaign_context's load_campaign), renders its first usable recipient, checks that message, and resolves the pool the daemon
// would send it from (mta/queue/egress: the campaign's pool, else the sender rules, else default_pool).
#include "cli/preflight_campaign.hpp"

#include <algorithm>

#include "campaigns/message/campaign_sample.hpp"
#include "campaigns/message/message_check.hpp"
#include "cli/campaign_context.hpp"
#include "dns/dmarc/org_domain.hpp"
#include "dns/name.hpp"
#include "mta/config/config_loader.hpp"
#include "mta/queue/egress.hpp"

namespace cli {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string domain_of(const std::string& address) {
  return dns::canonical_name(address.substr(address.rfind('@') + 1));
}

std::vector<std::string> pool_sources(const mta::config::DeliveryConfig& delivery, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& pool : delivery.pools)
    if (pool.name == name)
      for (const auto& member : pool.sources)
        if (member.weight > 0) out.push_back(member.source);
  return out;
}

std::string sources_note(const CampaignPreflight& prepared) {
  if (prepared.pool.empty())
    return "no pool (the campaign, [[delivery.sender_pool]] and default_pool name none): the operating "
           "system picks the address, so every configured source is checked";
  return "pool " + prepared.pool + ": sources " + join(prepared.sources);
}

}  // namespace

std::vector<std::string> registrable_link_domains(const std::vector<std::string>& hosts) {
  std::vector<std::string> out;
  for (const auto& host : hosts) {
    auto domain = dns::organizational_domain(host).value_or(host);  // a public suffix itself: as it is
    if (std::find(out.begin(), out.end(), domain) == out.end()) out.push_back(std::move(domain));
  }
  return out;
}

std::optional<CampaignPreflight> prepare_campaign(const std::string& file, const LoadedConfig& loaded) {
  auto load = load_campaign(loaded, file);
  if (!load) return std::nullopt;
  const campaigns::Campaign& campaign = load->campaign;
  const auto& delivery = loaded.config.delivery;
  const auto sample = campaigns::render_sample(campaign, *load->secret);
  if (!sample.error.empty()) {
    print_error(file + ": " + sample.error);
    return std::nullopt;
  }

  CampaignPreflight prepared;
  prepared.from_domain = dns::canonical_name(campaign.from.address.domain);
  prepared.envelope_domain = domain_of(sample.message.envelope_from);
  const mta::queue::EgressSelector selector(
      mta::queue::egress_settings(delivery, loaded.config.server.hostname));
  prepared.pool = selector.pool_for(sample.message.envelope_from, campaign.pool);
  if (!prepared.pool.empty()) prepared.sources = pool_sources(delivery, prepared.pool);

  const std::string sampled = std::filesystem::path(sample.csv).filename().string() + ":" +
                              std::to_string(sample.line) + " " + sample.message.recipient;
  std::string detail = "rendered " + sampled + " (recipient id " + sample.recipient_id + ")";
  if (sample.skipped > 0)
    detail += " after " + std::to_string(sample.skipped) + " unusable row" + (sample.skipped == 1 ? "" : "s");
  detail += "; From " + campaign.from.address.str() + ", MAIL FROM " + sample.message.envelope_from + "; " +
            sources_note(prepared) + "; nothing was sent";
  prepared.findings.push_back(
      {"campaign", campaign.id.str(), dns::preflight::Status::pass, std::move(detail), ""});

  auto checked = campaigns::check_message(sample.message.message);
  for (auto& finding : checked.findings) {
    finding.detail = "sample " + sampled + ": " + finding.detail;
    prepared.findings.push_back(std::move(finding));
  }
  prepared.link_domains = registrable_link_domains(checked.link_domains);
  return prepared;
}

}  // namespace cli
