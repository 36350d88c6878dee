#include "campaigns/store/schema.hpp"

namespace campaigns {
namespace {

// 1: the AUTH users table as mta/auth/user_store.cpp has always created it (databases made before the
// migrations have it already, at version 0), and the suppression list.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE IF NOT EXISTS auth_users (name TEXT PRIMARY KEY, password_hash TEXT NOT NULL,
  allowed_senders TEXT NOT NULL, created_at INTEGER NOT NULL DEFAULT (strftime('%s','now')));
CREATE TABLE suppression (
  target TEXT PRIMARY KEY,
  reason TEXT NOT NULL CHECK (reason IN ('hard-bounce', 'complaint', 'unsubscribe', 'manual', 'import')),
  source TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX suppression_by_reason ON suppression (reason, target);
)sql";

// 2: campaigns and their recipients, as `campaign send` records them (campaigns/store/campaign_store.hpp) and
// the daemon reads them (a VERP token's campaign: its pool, bounce address and unsubscribe mailbox; its
// recipient: the address an unsubscribe suppresses).
//   campaigns.state: sending (a send began and has not finished; --resume goes on) or done.
//   recipients: one row per CSV row, keyed by its first line. recipient_id is set for rows that got one
//   (NULL for rows skipped before or as a repeat of an earlier row). state: pending (not yet accepted by
//   the daemon), skipped (reason = the SkipReason's name, detail = why), injected (the daemon answered 250
//   to its DATA; queue_id = the id in that reply), refused (the daemon answered 5xx; detail = its reply).
constexpr const char* kVersion2 = R"sql(
CREATE TABLE campaigns (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  file TEXT NOT NULL,
  pool TEXT NOT NULL DEFAULT '',
  bounce_address TEXT NOT NULL,
  unsubscribe_mailto TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('sending', 'done')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE recipients (
  campaign_id TEXT NOT NULL REFERENCES campaigns (id),
  line INTEGER NOT NULL,
  recipient_id TEXT,
  address TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('pending', 'skipped', 'injected', 'refused')),
  reason TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  queue_id TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (campaign_id, line)
) WITHOUT ROWID;
CREATE UNIQUE INDEX recipients_by_id ON recipients (campaign_id, recipient_id) WHERE recipient_id IS NOT NULL;
CREATE INDEX recipients_by_state ON recipients (campaign_id, state, reason);
)sql";

// 3: delivery events and bounce messages (issue 16), and the reason soft-bounce for the suppression list.
//   delivery_events: one row per outcome of a recipient. kind attempt: one of our delivery attempts (the
//   accounting log's fields; result delivered, deferred, bounced or expired); kind bounce: an asynchronous
//   bounce that came back to the bounce domain (a DSN or a plain-text bounce; result bounced, or deferred
//   for a "delayed" report); kind complaint: an ARF report (result complained). time_ms: Unix
//   milliseconds. class/severity/rule: the classification of the reply (campaigns/bounces/classify), ""
//   for delivered and complained. campaign_id/recipient_id: from the return path's valid VERP token, else
//   NULL. event_key: what makes recording idempotent (an attempt: queue id, recipient, attempt number and
//   result; a bounce: its message's Message-ID or digest and the recipient), so replaying the accounting
//   log or receiving the same bounce twice adds nothing.
//   event_checkpoint: how far the accounting log has been recorded (name 'accounting-log': the file's
//   device and inode and the offset after the last line recorded), written in each batch's transaction.
//   bounce_messages: each message consumed at the bounce domain: its kind (dsn, arf, plain-bounce,
//   auto-reply, unknown), the VERP token's status (valid, forged, none), what came of it (outcome:
//   recorded, ignored, forged, unknown-campaign, malformed) and how many events it recorded.
constexpr const char* kVersion3 = R"sql(
CREATE TABLE delivery_events (
  id INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('attempt', 'bounce', 'complaint')),
  result TEXT NOT NULL CHECK (result IN ('delivered', 'deferred', 'bounced', 'expired', 'complained')),
  queue_id TEXT NOT NULL DEFAULT '',
  sender TEXT NOT NULL DEFAULT '',
  recipient TEXT NOT NULL,
  recipient_domain TEXT NOT NULL,
  destination TEXT NOT NULL DEFAULT '',
  mx_host TEXT NOT NULL DEFAULT '',
  mx_ip TEXT NOT NULL DEFAULT '',
  egress_source TEXT NOT NULL DEFAULT '',
  egress_ip TEXT NOT NULL DEFAULT '',
  tls TEXT NOT NULL DEFAULT '',
  reply TEXT NOT NULL DEFAULT '',
  enhanced_code TEXT NOT NULL DEFAULT '',
  attempt INTEGER NOT NULL DEFAULT 0,
  class TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL DEFAULT '' CHECK (severity IN ('', 'hard', 'soft')),
  rule TEXT NOT NULL DEFAULT '',
  campaign_id TEXT,
  recipient_id TEXT,
  event_key TEXT NOT NULL UNIQUE
);
CREATE INDEX delivery_events_by_time ON delivery_events (time_ms);
CREATE INDEX delivery_events_by_campaign ON delivery_events (campaign_id, recipient_id, time_ms)
  WHERE campaign_id IS NOT NULL;
CREATE INDEX delivery_events_by_recipient ON delivery_events (recipient, time_ms);
CREATE TABLE event_checkpoint (
  name TEXT PRIMARY KEY,
  device INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE bounce_messages (
  id INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('dsn', 'arf', 'plain-bounce', 'auto-reply', 'unknown')),
  token TEXT NOT NULL CHECK (token IN ('valid', 'forged', 'none')),
  outcome TEXT NOT NULL CHECK (outcome IN ('recorded', 'ignored', 'forged', 'unknown-campaign', 'malformed')),
  campaign_id TEXT,
  client TEXT NOT NULL DEFAULT '',
  envelope_recipient TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL DEFAULT '',
  events INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bounce_messages_by_time ON bounce_messages (time_ms);
CREATE TABLE suppression_v3 (
  target TEXT PRIMARY KEY,
  reason TEXT NOT NULL CHECK (reason IN ('hard-bounce', 'soft-bounce', 'complaint', 'unsubscribe', 'manual',
                                         'import')),
  source TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO suppression_v3 SELECT target, reason, source, created_at FROM suppression;
DROP TABLE suppression;
ALTER TABLE suppression_v3 RENAME TO suppression;
CREATE INDEX suppression_by_reason ON suppression (reason, target);
)sql";

constexpr Migration kMigrations[] = {
    {1, kVersion1},
    {2, kVersion2},
    {3, kVersion3},
};

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

int latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

}  // namespace campaigns
