#include "campaigns/daemon/campaign_services.hpp"

#include "campaigns/bounces/events/event_recorder.hpp"
#include "campaigns/daemon/campaign_directory.hpp"
#include "campaigns/web/unsubscribe_server.hpp"

namespace campaigns {

namespace {

// The recorder of delivery events, when [bounces] record_events: the engine's on_attempt hook and what
// stops it. The hook holds the recorder, so it lives as long as the engine may call it.
std::string start_events(const mta::config::Config& config, const std::optional<TokenSecret>& secret,
                         Classify classify, mta::server::Metrics& metrics,
                         mta::server::CampaignServices& services) {
  if (!config.bounces.record_events) return "";
  RecorderOptions options;
  options.accounting_log = config.delivery.accounting_log;
  options.policy = {config.bounces.soft_bounce_campaigns, config.bounces.soft_bounce_span};
  std::optional<TokenSecret> copy;
  if (secret) copy = TokenSecret::from_bytes(secret->bytes());
  auto started = EventRecorder::start(config.campaigns.database, std::move(copy), std::move(classify),
                                      std::move(options), metrics);
  if (!started.recorder) return "delivery events ([bounces] record_events): " + started.error;
  std::shared_ptr<EventRecorder> recorder = std::move(started.recorder);
  services.on_attempt = [recorder](const mta::delivery::Attempt& attempt,
                                   const mta::delivery::LogPosition& position) {
    recorder->submit(attempt, position);
  };
  services.stop_events = [recorder] { recorder->stop(); };
  return "";
}

}  // namespace

mta::server::CampaignServices start_campaign_services(const mta::config::Config& config,
                                                      const mta::server::TlsFiles& tls,
                                                      mta::server::Metrics& metrics, std::string& error,
                                                      Classify classify) {
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
  }
  mta::server::CampaignServices services;
  error = start_events(config, secret, std::move(classify), metrics, services);
  if (!error.empty()) return {};
  if (!secret && !check_all)
    return services;  // no campaigns to recognize, and suppression only for campaign mail
  auto opened = CampaignDirectory::open(config.campaigns.database, std::move(secret), metrics);
  if (!opened.directory) {
    error = "campaigns: " + opened.error;
    return {};
  }
  services.hooks = opened.directory;
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
