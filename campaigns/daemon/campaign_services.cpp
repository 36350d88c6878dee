#include "campaigns/daemon/campaign_services.hpp"

#include "campaigns/bounces/classify/classifier.hpp"
#include "campaigns/bounces/events/event_recorder.hpp"
#include "campaigns/bounces/intake/bounce_consumer.hpp"
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

// The classifier of [bounces], shared by the recorder and the bounce consumer; errors joined into one message.
std::shared_ptr<const Classifier> load_bounce_rules(const mta::config::Config& config, std::string& error) {
  auto load = load_classifier(config.bounces);
  if (!load.classifier) {
    error = "the bounce rules did not load:";
    for (const auto& line : format_errors(load, "[[bounces.rule]]")) error += "\n  " + line;
    return nullptr;
  }
  return std::make_shared<const Classifier>(std::move(*load.classifier));
}

// Mail to the bounce mailboxes, parsed and recorded (bounces/intake), when events are recorded at all.
std::string start_bounce_intake(const mta::config::Config& config, const TokenSecret& secret, Classify classify,
                                mta::server::Metrics& metrics, CampaignDirectory& directory) {
  if (!config.bounces.record_events) return "";
  auto opened = BounceConsumer::open(config.campaigns.database, TokenSecret::from_bytes(secret.bytes()),
                                     std::move(classify),
                                     {config.bounces.soft_bounce_campaigns, config.bounces.soft_bounce_span},
                                     metrics);
  if (!opened.consumer) return "bounce mailboxes: " + opened.error;
  std::shared_ptr<BounceConsumer> consumer = std::move(opened.consumer);
  directory.set_bounce_consumer(config.bounces.domains,
                                [consumer](const mta::smtp::BounceMail& mail) { return consumer->consume(mail); });
  return "";
}

}  // namespace

mta::server::CampaignServices start_campaign_services(const mta::config::Config& config,
                                                      const mta::server::TlsFiles& tls,
                                                      mta::server::Metrics& metrics, std::string& error) {
  auto classifier = load_bounce_rules(config, error);
  if (!classifier) return {};
  Classify classify = [classifier](std::string_view reply) { return classifier->classify(reply); };
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
  error = start_events(config, secret, classify, metrics, services);
  if (!error.empty()) return {};
  if (!secret && !check_all) return services;  // no campaigns to recognize, and suppression only for campaign mail
  std::optional<TokenSecret> secret_bytes;
  if (secret) secret_bytes = TokenSecret::from_bytes(secret->bytes());
  auto opened = CampaignDirectory::open(config.campaigns.database, std::move(secret), metrics);
  if (!opened.directory) {
    error = "campaigns: " + opened.error;
    return {};
  }
  services.hooks = opened.directory;
  if (secret_bytes) {
    error = start_bounce_intake(config, *secret_bytes, classify, metrics, *opened.directory);
    if (!error.empty()) return {};
  }
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
