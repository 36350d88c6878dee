// bounce_outcomes.hpp — the store of what became of mail, in the campaigns database: delivery events
// (table delivery_events: attempts from the engine, asynchronous bounces and complaints from the inbound
// path), the bounce messages they came in (bounce_messages), the accounting-log checkpoint
// (event_checkpoint), and the suppressions they cause (suppression_policy.hpp; a complaint suppresses at
// once, reason complaint). One record() is one transaction: events inserted idempotently (INSERT OR IGNORE
// on event_key, so a replayed or redelivered event is counted as a duplicate and suppresses nothing again),
// the bounce message row and the checkpoint with them.
// Errors: StoreError (database.hpp) from SQLite, the transaction rolled back. Untrusted input: replies,
// addresses and ids arrive as text and reach SQL only as bound parameters.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/bounces/bounce_class.hpp"
#include "campaigns/bounces/suppression_policy.hpp"
#include "campaigns/store/database.hpp"
#include "campaigns/suppression/suppression.hpp"
#include "mta/delivery/accounting_log.hpp"

namespace campaigns {

enum class EventKind { attempt, bounce, complaint };
std::string_view to_string(EventKind kind);  // "attempt" | "bounce" | "complaint"

// One row of delivery_events. result: delivered, deferred, bounced, expired (attempts), bounced (an
// asynchronous bounce: a DSN, a plain-text bounce) or complained.
struct DeliveryEvent {
  std::chrono::system_clock::time_point time{};
  EventKind kind = EventKind::attempt;
  std::string result;
  std::string queue_id, sender, recipient, destination, mx_host, mx_ip, egress_source, egress_ip, tls;
  std::string reply;          // the server's reply, a DSN's diagnostic code, or what went wrong
  std::string enhanced_code;  // "5.1.1" (a DSN's Status), or ""
  unsigned attempt = 0;
  std::optional<Classification> classification;          // for everything but delivered and complained
  std::optional<std::string> campaign_id, recipient_id;  // from a valid VERP token only
  std::string event_key;  // unique: a second event with the same key is ignored
};

// An attempt as the accounting log has it; key = queue id, recipient, attempt number, result.
DeliveryEvent attempt_event(const mta::delivery::Attempt& attempt);
std::string attempt_event_key(const mta::delivery::Attempt& attempt);

// One row of bounce_messages: a message that arrived at the bounce domain and what came of it.
struct BounceMessage {
  std::chrono::system_clock::time_point time{};
  std::string kind;     // dsn | arf | plain-bounce | auto-reply | unknown
  std::string token;    // valid | forged | none
  std::string outcome;  // recorded | ignored | forged | unknown-campaign | malformed
  std::optional<std::string> campaign_id;
  std::string client, envelope_recipient, message_id;
  // events: set by record() to the events it inserted with the message
};

struct RecordCounts {
  std::uint64_t inserted = 0, duplicates = 0;
  std::array<std::uint64_t, 3> suppressed{};  // by SuppressedBy
};
enum class SuppressedBy { hard_bounce, soft_bounce, complaint };

// The inbound path (DSN/ARF consumer) records one bounce message so, on its own connection:
//   DeliveryEvent e;  e.kind = EventKind::bounce (or complaint);  e.result = "bounced" (or "complained");
//   e.recipient, e.reply = the diagnostic code, e.enhanced_code = the Status, e.classification (bounces),
//   e.campaign_id / e.recipient_id from a valid token, e.time, e.event_key = e.g. "dsn:" Message-ID ":" rcpt;
//   BounceMessage m{time, "dsn", "valid", "recorded", campaign_id, client, envelope_recipient, message_id};
//   outcomes.record({e, ...}, &m);   // events, message row and suppressions in one transaction
class BounceOutcomes {
 public:
  BounceOutcomes(const Database& db, SoftBouncePolicy policy) : db_(db), policy_(policy) {}

  // Records the events (in order), the bounce message (events = those inserted) and the checkpoint under
  // name, in one transaction, and suppresses as the policy says for each event inserted: bounced or
  // expired and suppresses_at_once, or soft and soft_bounces_suppress over the address's history; a
  // complaint at once. An address already suppressed keeps its entry.
  RecordCounts record(const std::vector<DeliveryEvent>& events, const BounceMessage* message = nullptr,
                      std::string_view checkpoint_name = {},
                      const mta::delivery::LogPosition* checkpoint = nullptr);
  std::optional<mta::delivery::LogPosition> checkpoint(std::string_view name) const;

 private:
  std::optional<SuppressedBy> decide(const DeliveryEvent& event) const;
  std::vector<FinalOutcome> final_outcomes(const std::string& recipient) const;

  const Database& db_;
  SoftBouncePolicy policy_;
};

}  // namespace campaigns
