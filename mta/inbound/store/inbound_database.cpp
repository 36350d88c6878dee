#include "mta/inbound/store/inbound_database.hpp"

#include <array>

namespace mta::inbound {
namespace {

// 1: recipient lists and greylist state.
//   recipients: one row per valid address of a relay domain whose recipient source is `list`. address is
//   the whole address lower-cased (ASCII), or "*@domain" for the domain's catch-all; domain is canonical.
//   greylist: one row per triplet (client network, sender, recipient; see greylist.hpp). passed_at is NULL
//   until the triplet passes, then the time of its last use; expires_at is when the row is forgotten
//   (first_seen + retry_window while pending, passed_at + remember once passed).
//   greylist_clients: client networks auto-whitelisted until expires_at.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE recipients (
  address TEXT PRIMARY KEY,
  domain TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX recipients_by_domain ON recipients (domain, address);
CREATE TABLE greylist (
  network TEXT NOT NULL,
  sender TEXT NOT NULL,
  recipient TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  passed_at INTEGER,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (network, sender, recipient)
) WITHOUT ROWID;
CREATE INDEX greylist_by_expiry ON greylist (expires_at);
CREATE TABLE greylist_clients (
  network TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX greylist_clients_by_expiry ON greylist_clients (expires_at);
)sql";

constexpr std::array<store::Migration, 1> kMigrations{{
    {1, kVersion1},
}};

}  // namespace

const store::Schema& inbound_schema() {
  static const store::Schema schema{kMigrations, "[inbound] database"};
  return schema;
}

OpenedDatabase open_inbound_database(const std::filesystem::path& path) {
  auto opened = store::Database::open(path, inbound_schema());
  if (!opened.database) return {nullptr, std::move(opened.error)};
  try {
    store::Statement(*opened.database, "PRAGMA synchronous=NORMAL").step();
  } catch (const store::StoreError& error) {
    return {nullptr, error.what()};
  }
  return {std::move(opened.database), ""};
}

}  // namespace mta::inbound
