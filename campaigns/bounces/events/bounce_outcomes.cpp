#include "campaigns/bounces/events/bounce_outcomes.hpp"

#include <algorithm>
#include <cctype>

#include "campaigns/formats/address.hpp"

namespace campaigns {
namespace {

constexpr const char* kInsertEvent =
    "INSERT OR IGNORE INTO delivery_events (time_ms, kind, result, queue_id, sender, recipient, "
    "recipient_domain, destination, mx_host, mx_ip, egress_source, egress_ip, tls, reply, enhanced_code, "
    "attempt, class, severity, rule, campaign_id, recipient_id, event_key) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
    "?22)";
constexpr const char* kInsertSuppression =
    "INSERT INTO suppression (target, reason, source, created_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (target) DO NOTHING";
// Final outcomes of mail to one address, newest first; bounded: the policy looks at a few campaigns.
constexpr const char* kFinalOutcomes =
    "SELECT time_ms, ifnull(campaign_id, ''), result, class, severity FROM delivery_events "
    "WHERE recipient = ? AND result IN ('delivered', 'bounced', 'expired') ORDER BY time_ms DESC, id DESC "
    "LIMIT 1000";

std::int64_t millis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string domain_of(std::string_view recipient) {
  auto at = recipient.rfind('@');
  std::string domain(at == std::string_view::npos ? std::string_view() : recipient.substr(at + 1));
  std::transform(domain.begin(), domain.end(), domain.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return domain;
}

constexpr Reason kReasons[] = {Reason::hard_bounce, Reason::soft_bounce, Reason::complaint};

}  // namespace

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::attempt:
      return "attempt";
    case EventKind::bounce:
      return "bounce";
    case EventKind::complaint:
      return "complaint";
  }
  return "attempt";
}

std::string attempt_event_key(const mta::delivery::Attempt& a) {
  // NUL cannot occur in an address or queue id, so the parts cannot run into each other.
  std::string key = a.queue_id;
  key += '\0';
  key += a.recipient;
  key += '\0';
  key += std::to_string(a.attempt);
  key += '\0';
  key += a.result;
  return key;
}

DeliveryEvent attempt_event(const mta::delivery::Attempt& a) {
  DeliveryEvent e;
  e.time = a.time;
  e.kind = EventKind::attempt;
  e.result = a.result;
  e.queue_id = a.queue_id;
  e.sender = a.sender;
  e.recipient = a.recipient;
  e.destination = a.destination;
  e.mx_host = a.mx_host;
  e.mx_ip = a.mx_ip;
  e.egress_source = a.egress_source;
  e.egress_ip = a.egress_ip;
  e.tls = a.tls;
  e.reply = a.reply;
  e.enhanced_code = a.enhanced_code;
  e.attempt = a.attempt;
  e.event_key = attempt_event_key(a);
  return e;
}

RecordCounts BounceOutcomes::record(const std::vector<DeliveryEvent>& events, const BounceMessage* message,
                                    std::string_view checkpoint_name,
                                    const mta::delivery::LogPosition* checkpoint) {
  RecordCounts counts;
  Transaction transaction(db_);
  Statement insert(db_, kInsertEvent);
  std::optional<Statement> suppress;
  for (const auto& e : events) {
    insert.reset();
    insert.bind(1, millis(e.time))
        .bind(2, to_string(e.kind))
        .bind(3, e.result)
        .bind(4, e.queue_id)
        .bind(5, e.sender)
        .bind(6, e.recipient)
        .bind(7, domain_of(e.recipient))
        .bind(8, e.destination)
        .bind(9, e.mx_host)
        .bind(10, e.mx_ip)
        .bind(11, e.egress_source)
        .bind(12, e.egress_ip)
        .bind(13, e.tls)
        .bind(14, e.reply)
        .bind(15, e.enhanced_code)
        .bind(16, static_cast<std::int64_t>(e.attempt))
        .bind(17, e.classification ? to_string(e.classification->bounce_class) : "")
        .bind(18, e.classification ? to_string(e.classification->severity) : "")
        .bind(19, e.classification ? std::string_view(e.classification->rule) : "")
        .bind(22, e.event_key);
    if (e.campaign_id) insert.bind(20, *e.campaign_id);
    if (e.recipient_id) insert.bind(21, *e.recipient_id);
    insert.step();
    if (db_.changes() == 0) {
      ++counts.duplicates;
      continue;
    }
    ++counts.inserted;
    auto by = decide(e);
    if (!by) continue;
    auto parsed = parse_address(e.recipient);
    if (!parsed.address) continue;  // nothing a suppression list can hold
    if (!suppress) suppress.emplace(db_, kInsertSuppression);
    suppress->reset();
    suppress->bind(1, SuppressionTarget::address(*parsed.address).str())
        .bind(2, to_string(kReasons[static_cast<std::size_t>(*by)]))
        .bind(3, suppression_source(e.campaign_id.value_or(""), e.queue_id, e.reply))
        .bind(4, static_cast<std::int64_t>(
                     std::chrono::duration_cast<std::chrono::seconds>(e.time.time_since_epoch()).count()));
    suppress->step();
    if (db_.changes() > 0) ++counts.suppressed[static_cast<std::size_t>(*by)];
  }
  if (message) {
    Statement row(db_,
                  "INSERT INTO bounce_messages (time_ms, kind, token, outcome, campaign_id, client, "
                  "envelope_recipient, message_id, events) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    row.bind(1, millis(message->time))
        .bind(2, message->kind)
        .bind(3, message->token)
        .bind(4, message->outcome)
        .bind(6, message->client)
        .bind(7, message->envelope_recipient)
        .bind(8, message->message_id)
        .bind(9, static_cast<std::int64_t>(counts.inserted));
    if (message->campaign_id) row.bind(5, *message->campaign_id);
    row.step();
  }
  if (checkpoint) {
    Statement row(db_,
                  "INSERT INTO event_checkpoint (name, device, inode, offset, updated_at) "
                  "VALUES (?1, ?2, ?3, ?4, strftime('%s','now')) ON CONFLICT (name) DO UPDATE SET "
                  "device = ?2, inode = ?3, offset = ?4, updated_at = strftime('%s','now')");
    row.bind(1, checkpoint_name)
        .bind(2, static_cast<std::int64_t>(checkpoint->device))
        .bind(3, static_cast<std::int64_t>(checkpoint->inode))
        .bind(4, static_cast<std::int64_t>(checkpoint->offset));
    row.step();
  }
  transaction.commit();
  return counts;
}

std::optional<mta::delivery::LogPosition> BounceOutcomes::checkpoint(std::string_view name) const {
  Statement row(db_, "SELECT device, inode, offset FROM event_checkpoint WHERE name = ?");
  row.bind(1, name);
  if (!row.step()) return std::nullopt;
  return mta::delivery::LogPosition{static_cast<std::uint64_t>(row.integer(0)),
                                    static_cast<std::uint64_t>(row.integer(1)),
                                    static_cast<std::uint64_t>(row.integer(2))};
}

std::optional<SuppressedBy> BounceOutcomes::decide(const DeliveryEvent& e) const {
  if (e.kind == EventKind::complaint) return SuppressedBy::complaint;
  if ((e.result != "bounced" && e.result != "expired") || !e.classification) return std::nullopt;
  if (suppresses_at_once(*e.classification)) return SuppressedBy::hard_bounce;
  if (!e.campaign_id || !counts_as_soft_bounce(*e.classification)) return std::nullopt;
  auto history = final_outcomes(e.recipient);
  if (soft_bounces_suppress(history, policy_)) return SuppressedBy::soft_bounce;
  return std::nullopt;
}

std::vector<FinalOutcome> BounceOutcomes::final_outcomes(const std::string& recipient) const {
  std::vector<FinalOutcome> outcomes;
  Statement rows(db_, kFinalOutcomes);
  rows.bind(1, recipient);
  while (rows.step()) {
    FinalOutcome o;
    o.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(rows.integer(0)));
    o.campaign_id = rows.text(1);
    o.delivered = rows.text(2) == "delivered";
    auto bounce_class = parse_bounce_class(rows.text(3));
    auto severity = parse_severity(rows.text(4));
    o.soft_bounce = !o.delivered && bounce_class && severity &&
                    counts_as_soft_bounce(Classification{*bounce_class, *severity, ""});
    outcomes.push_back(std::move(o));
  }
  return outcomes;
}

}  // namespace campaigns
