#include "campaigns/daemon/campaign_services.hpp"

#include "campaigns/daemon/campaign_directory.hpp"
#include "campaigns/web/unsubscribe_server.hpp"

namespace campaigns {

mta::server::CampaignServices start_campaign_services(const mta::config::Config& config,
                                                      const mta::server::TlsFiles& tls,
                                                      mta::server::Metrics& metrics, std::string& error) {
  bool check_all = config.campaigns.check_suppression == mta::config::SuppressionCheck::all;
  std::optional<TokenSecret> secret;
  if (!config.campaigns.token_secret_file.empty()) {
    auto loaded = TokenSecret::load(config.campaigns.token_secret_file);
    if (!loaded.secret) {
      error = loaded.error;
      return {};
    }
    secret = std::move(loaded.secret);
  } else if (config.web.listen) {
    error =
        "[web] listen needs [campaigns] token_secret_file, the secret that signs unsubscribe tokens; "
        "set it, or remove [web] listen";
    return {};
  } else if (!check_all) {
    return {};  // no campaigns to recognize, and suppression only for campaign mail
  }
  auto opened = CampaignDirectory::open(config.campaigns.database, std::move(secret), metrics);
  if (!opened.directory) {
    error = "campaigns: " + opened.error;
    return {};
  }
  mta::server::CampaignServices services{opened.directory, nullptr};
  if (config.web.listen) {
    auto started =
        UnsubscribeServer::start(config.web, config.web.tls ? &tls : nullptr, *opened.directory, metrics);
    if (!started.server) {
      error = started.error;
      return {};
    }
    // The server's handlers use the directory: both live as long as the stop function.
    std::shared_ptr<UnsubscribeServer> server = std::move(started.server);
    services.stop = [server, directory = opened.directory] { server->stop(); };
  }
  return services;
}

}  // namespace campaigns
