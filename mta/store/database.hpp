// database.hpp — one SQLite file in WAL mode with a busy timeout, brought to the latest version of its
// schema (numbered migrations, PRAGMA user_version) when opened; used by the campaigns database
// (campaigns/store) and the inbound database (mta/inbound/store), each with its own Schema.
// Errors: open() returns a message naming the file for anything unusable — not a database, written by a
// newer relayctl (refused untouched), unwritable; a statement failing later throws StoreError (SQLite's
// text and the path; busy() when another process held the lock past the timeout).
// Threads: one connection, opened in SQLite's serialized mode; a Statement or Transaction is used by one
// thread at a time. Untrusted input: none here; values reach SQL only as bound parameters.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace mta::store {

inline constexpr std::chrono::milliseconds kBusyTimeout{5000};

class StoreError : public std::runtime_error {
 public:
  StoreError(const std::string& message, bool busy) : std::runtime_error(message), busy_(busy) {}
  bool busy() const { return busy_; }  // temporary: another writer held the database; try again

 private:
  bool busy_;
};

// Migration N takes a database from schema version N-1 to N. A released migration never changes.
struct Migration {
  int version;
  const char* sql;
};

struct Schema {
  std::span<const Migration> migrations;  // in order, versions 1, 2, ...
  std::string_view config_key;            // named in errors: "[campaigns] database"
  int latest_version() const { return migrations.empty() ? 0 : migrations.back().version; }
};

class Database {
 public:
  struct Opened;
  // Opens (creating it and its directory when absent) and migrates the database to schema's latest version.
  static Opened open(const std::filesystem::path& path, const Schema& schema);
  Database(Database&& other) noexcept;
  Database& operator=(Database&&) = delete;
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }
  int schema_version() const;
  int changes() const;                                   // rows changed by the last INSERT, UPDATE or DELETE
  [[noreturn]] void fail(std::string_view doing) const;  // throws StoreError for the last SQLite error

 private:
  Database(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  std::string migrate(const Schema& schema);

  sqlite3* db_;
  std::filesystem::path path_;
};

struct Database::Opened {
  std::unique_ptr<Database> database;
  std::string error;  // when database is null
};

// One prepared statement; every failure throws StoreError.
class Statement {
 public:
  Statement(const Database& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  bool step();  // true: a row is ready; false: done
  void reset();
  std::string text(int column) const;
  std::int64_t integer(int column) const;

 private:
  const Database& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE (the write lock now, so a busy database fails here, not half-way); rolled back unless
// committed.
class Transaction {
 public:
  explicit Transaction(const Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  const Database& db_;
  bool open_ = true;
};

}  // namespace mta::store
