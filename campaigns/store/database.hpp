// database.hpp — the campaigns database: one SQLite file ([campaigns] database, shared with the AUTH users
// of mta/auth) brought to the latest campaigns schema (schema.hpp) when opened. The SQLite handling itself
// (WAL, busy timeout, migrations, Statement, Transaction, StoreError) is mta/store/database.hpp's.
// Errors: open() returns a message naming the file for anything unusable — not a database, written by a
// newer relayctl (refused untouched), unwritable; a statement failing later throws StoreError.
// Untrusted input: none here; values reach SQL only as bound parameters.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "mta/store/database.hpp"

namespace campaigns {

using mta::store::kBusyTimeout;
using mta::store::Statement;
using mta::store::StoreError;
using mta::store::Transaction;

class Database : public mta::store::Database {
 public:
  struct Opened {
    std::unique_ptr<Database> database;
    std::string error;  // when database is null
  };
  // Opens (creating it and its directory when absent) and migrates the database.
  static Opened open(const std::filesystem::path& path);

 private:
  explicit Database(mta::store::Database&& opened) : mta::store::Database(std::move(opened)) {}
};

}  // namespace campaigns
