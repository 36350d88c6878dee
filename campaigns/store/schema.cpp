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

constexpr Migration kMigrations[] = {
    {1, kVersion1},
    {2, kVersion2},
};

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

int latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

}  // namespace campaigns
