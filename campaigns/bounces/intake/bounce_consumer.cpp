#include "campaigns/bounces/intake/bounce_consumer.hpp"

#include <array>

#include <openssl/sha.h>

#include "mta/log/log.hpp"

namespace campaigns {
namespace {

using mta::server::BounceMessageKind;
using mta::server::BounceMessageOutcome;
using mta::smtp::BounceIntake;

BounceMessageKind metric_kind(BounceKind kind) {
  switch (kind) {
    case BounceKind::dsn: return BounceMessageKind::dsn;
    case BounceKind::arf: return BounceMessageKind::arf;
    case BounceKind::plain_bounce: return BounceMessageKind::plain_bounce;
    case BounceKind::auto_reply: return BounceMessageKind::auto_reply;
    case BounceKind::unknown: break;
  }
  return BounceMessageKind::unknown;
}

const std::array<std::pair<BounceMessageOutcome, std::string_view>, 5> kOutcomes{{
    {BounceMessageOutcome::recorded, "recorded"},
    {BounceMessageOutcome::ignored, "ignored"},
    {BounceMessageOutcome::forged, "forged"},
    {BounceMessageOutcome::unknown_campaign, "unknown-campaign"},
    {BounceMessageOutcome::malformed, "malformed"},
}};

std::string outcome_name(BounceMessageOutcome outcome) {
  for (const auto& [value, name] : kOutcomes)
    if (value == outcome) return std::string(name);
  return "ignored";
}

// A report that says nothing about any recipient because it could not be read.
bool malformed(const BounceReading& reading) {
  if (reading.parsed.kind == BounceKind::arf) return !reading.parsed.arf;
  return (reading.parsed.kind == BounceKind::dsn || reading.parsed.kind == BounceKind::plain_bounce) &&
         reading.recipients.empty();
}

}  // namespace

std::string bounce_key(const BounceReading& reading, std::string_view message) {
  if (!reading.parsed.message_id.empty()) return reading.parsed.message_id;
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : digest) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return "sha256:" + hex;
}

std::vector<DeliveryEvent> events_of(const BounceReading& reading, const TokenIds& ids, const std::string& address,
                                     const std::string& key, std::chrono::system_clock::time_point time) {
  DeliveryEvent event;
  event.time = time;
  event.recipient = address;
  event.campaign_id = ids.campaign.str();
  event.recipient_id = ids.recipient.str();
  event.sender = reading.token.address;
  if (reading.parsed.kind == BounceKind::arf) {
    if (!reading.parsed.arf || reading.parsed.arf->feedback_type == "not-spam") return {};
    event.kind = EventKind::complaint;
    event.result = "complained";
    event.reply = "feedback-type: " + reading.parsed.arf->feedback_type;
    if (!reading.parsed.arf->user_agent.empty()) event.reply += "; user-agent: " + reading.parsed.arf->user_agent;
    event.event_key = "complaint:" + key + ":" + ids.campaign.str() + "." + ids.recipient.str();
    return {event};
  }
  const ReadRecipient* chosen = nullptr;
  for (const auto& r : reading.recipients)
    if (r.classification && r.report.action == "failed") {
      chosen = &r;
      break;
    }
  if (!chosen)
    for (const auto& r : reading.recipients)
      if (r.classification) {
        chosen = &r;
        break;
      }
  if (!chosen) return {};
  event.kind = EventKind::bounce;
  event.result = chosen->report.action == "failed" ? "bounced" : "deferred";
  event.reply = chosen->reply;
  event.enhanced_code = chosen->report.status;
  event.mx_host = chosen->report.remote_mta;
  event.classification = chosen->classification;
  event.event_key = "bounce:" + key + ":" + ids.campaign.str() + "." + ids.recipient.str();
  return {event};
}

BounceConsumer::Opened BounceConsumer::open(const std::filesystem::path& database, std::optional<TokenSecret> secret,
                                            Classify classify, SoftBouncePolicy policy,
                                            mta::server::Metrics& metrics) {
  auto opened = Database::open(database);
  if (!opened.database) return {nullptr, opened.error};
  return {std::unique_ptr<BounceConsumer>(new BounceConsumer(std::move(opened.database), std::move(secret),
                                                             std::move(classify), policy, metrics)),
          ""};
}

BounceConsumer::BounceConsumer(std::unique_ptr<Database> db, std::optional<TokenSecret> secret, Classify classify,
                               SoftBouncePolicy policy, mta::server::Metrics& metrics)
    : db_(std::move(db)),
      outcomes_(*db_, policy),
      secret_(std::move(secret)),
      classify_(std::move(classify)),
      metrics_(metrics) {}

std::optional<std::string> BounceConsumer::recipient_address(const TokenIds& ids) {
  Statement row(*db_, "SELECT address FROM recipients WHERE campaign_id = ?1 AND recipient_id = ?2");
  row.bind(1, ids.campaign.str()).bind(2, ids.recipient.str());
  if (!row.step()) return std::nullopt;
  return row.text(0);
}

BounceIntake BounceConsumer::consume(const mta::smtp::BounceMail& mail) {
  auto now = std::chrono::system_clock::now();
  std::string envelope_recipient = mail.recipients.empty() ? "" : mail.recipients.front();
  BounceReading reading = read_bounce(mail.message, envelope_recipient, secret_ ? &*secret_ : nullptr, classify_);
  BounceMessage row;
  row.time = now;
  row.kind = std::string(to_string(reading.parsed.kind));
  row.token = std::string(to_string(reading.token.status));
  row.client = std::string(mail.client);
  row.envelope_recipient = envelope_recipient;
  row.message_id = reading.parsed.message_id;
  auto outcome = BounceMessageOutcome::ignored;
  std::vector<DeliveryEvent> events;
  try {
    std::lock_guard lock(mutex_);
    bool reports = reading.parsed.kind == BounceKind::dsn || reading.parsed.kind == BounceKind::arf ||
                   reading.parsed.kind == BounceKind::plain_bounce;
    if (!reports) {
      outcome = BounceMessageOutcome::ignored;
    } else if (reading.token.status == BounceTokenStatus::forged) {
      outcome = BounceMessageOutcome::forged;
    } else if (reading.token.status == BounceTokenStatus::none) {
      outcome = malformed(reading) ? BounceMessageOutcome::malformed : BounceMessageOutcome::ignored;
    } else {
      row.campaign_id = reading.token.ids->campaign.str();
      auto address = recipient_address(*reading.token.ids);
      if (!address) {
        outcome = BounceMessageOutcome::unknown_campaign;
      } else {
        events = events_of(reading, *reading.token.ids, *address, bounce_key(reading, mail.message), now);
        outcome = !events.empty()    ? BounceMessageOutcome::recorded
                  : malformed(reading) ? BounceMessageOutcome::malformed
                                       : BounceMessageOutcome::ignored;
      }
    }
    row.outcome = outcome_name(outcome);
    auto counts = outcomes_.record(events, &row);
    metrics_.events_recorded += counts.inserted;
    for (std::size_t i = 0; i < counts.suppressed.size(); ++i) metrics_.bounce_suppressions[i] += counts.suppressed[i];
  } catch (const StoreError& e) {
    metrics_.count_bounce_message(metric_kind(reading.parsed.kind), BounceMessageOutcome::failed);
    ++metrics_.campaign_lookup_failures;
    mta::log::error("bounce.record_failed", {{"client", mail.client}, {"error", e.what()}});
    return BounceIntake::failed;
  }
  metrics_.count_bounce_message(metric_kind(reading.parsed.kind), outcome);
  mta::log::info("bounce.consumed", {{"client", mail.client},
                                     {"kind", row.kind},
                                     {"token", row.token},
                                     {"outcome", row.outcome},
                                     {"campaign", row.campaign_id.value_or("")},
                                     {"events", events.size()}});
  return outcome == BounceMessageOutcome::recorded ? BounceIntake::recorded : BounceIntake::ignored;
}

}  // namespace campaigns
