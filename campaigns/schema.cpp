#include "campaigns/schema.hpp"

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

constexpr Migration kMigrations[] = {
    {1, kVersion1},
};

}  // namespace

std::span<const Migration> migrations() {
  return kMigrations;
}

int latest_schema_version() {
  return kMigrations[std::size(kMigrations) - 1].version;
}

}  // namespace campaigns
