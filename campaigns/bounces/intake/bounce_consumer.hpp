// bounce_consumer.hpp — the daemon's consumer of mail to its bounce mailboxes (CampaignDirectory hands it
// each message after DATA, on the blocking pool, before the client gets its 250): reads the message
// (bounce_reading), ties it to a campaign's recipient through its VERP token, and records in one
// transaction (BounceOutcomes) the event — an asynchronous bounce (kind bounce: result bounced, or
// deferred for a "delayed" report) or a complaint (kind complaint) — the bounce_messages row and the
// suppression the policy asks for (hard bounces and complaints at once; soft after several campaigns).
// What changes nothing (each a bounce_messages row and a relayctl_bounce_messages_total count): auto-replies
// and unknown messages (ignored), not-spam reports (ignored), tokens that fail their MAC (forged), true
// tokens of campaigns or recipients the database does not have (unknown-campaign), messages without a
// token (ignored: nobody may suppress an address by writing to us), reports whose recipients cannot be
// read (malformed). A bounce is recorded once however often it arrives (event_key: its Message-ID, or a
// digest of it, and the recipient).
// Errors: a database that fails gives BounceIntake::failed (the client is told 451 and retries); logged and
// counted. Untrusted input: the whole message, the envelope, the client.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "campaigns/bounces/events/bounce_outcomes.hpp"
#include "campaigns/bounces/events/event_recorder.hpp"
#include "campaigns/bounces/intake/bounce_reading.hpp"
#include "campaigns/store/database.hpp"
#include "campaigns/tokens/token_secret.hpp"
#include "mta/server/metrics.hpp"
#include "mta/smtp/campaign_hooks.hpp"

namespace campaigns {

class BounceConsumer {
 public:
  struct Opened;
  static Opened open(const std::filesystem::path& database, std::optional<TokenSecret> secret, Classify classify,
                     SoftBouncePolicy policy, mta::server::Metrics& metrics);
  // Thread-safe (one connection, one lock: bounces are few).
  mta::smtp::BounceIntake consume(const mta::smtp::BounceMail& mail);

 private:
  BounceConsumer(std::unique_ptr<Database> db, std::optional<TokenSecret> secret, Classify classify,
                 SoftBouncePolicy policy, mta::server::Metrics& metrics);
  std::optional<std::string> recipient_address(const TokenIds& ids);

  std::mutex mutex_;
  std::unique_ptr<Database> db_;
  BounceOutcomes outcomes_;
  std::optional<TokenSecret> secret_;
  Classify classify_;
  mta::server::Metrics& metrics_;
};

struct BounceConsumer::Opened {
  std::unique_ptr<BounceConsumer> consumer;
  std::string error;
};

// The events a reading of a bounce to a known campaign recipient records: the complaint, or the first
// failed recipient's bounce (else the first delayed one's deferral), for `address`. Empty when it reports
// nothing about a recipient. key: the bounce's Message-ID, or a digest of the message when it has none.
std::vector<DeliveryEvent> events_of(const BounceReading& reading, const TokenIds& ids, const std::string& address,
                                     const std::string& key, std::chrono::system_clock::time_point time);

// The bounce's identity for event keys: its Message-ID, else the SHA-256 of the message (hex).
std::string bounce_key(const BounceReading& reading, std::string_view message);

}  // namespace campaigns
