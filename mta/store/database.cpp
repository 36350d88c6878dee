#include "mta/store/database.hpp"

#include <sqlite3.h>

namespace mta::store {
namespace {

bool is_busy(int code) {
  code &= 0xFF;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

// Runs SQL without results; the error text when it fails.
std::string run(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) == SQLITE_OK) return "";
  std::string error = message ? message : sqlite3_errmsg(db);
  sqlite3_free(message);
  return error;
}

std::optional<int> user_version(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  std::optional<int> version;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    version = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  return version;
}

std::string journal_mode_wal(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  std::string mode;
  if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    auto* text = sqlite3_column_text(stmt, 0);
    mode = text ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(stmt);
  return mode;
}

std::string newer_schema(const std::filesystem::path& path, int version, int latest) {
  return path.string() + " has schema version " + std::to_string(version) + ", newer than the " +
         std::to_string(latest) +
         " this relayctl knows: a newer relayctl has upgraded it. Use that relayctl (or a newer one); "
         "going back needs a copy of the database from before the upgrade";
}

}  // namespace

Database::Opened Database::open(const std::filesystem::path& path, const Schema& schema) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string error = path.string() + ": " + (db ? sqlite3_errmsg(db) : "cannot open") +
                        (ec ? " (its directory: " + ec.message() + ")" : "");
    sqlite3_close(db);
    return {nullptr, error};
  }
  sqlite3_busy_timeout(db, static_cast<int>(kBusyTimeout.count()));
  std::unique_ptr<Database> database(new Database(db, path));
  if (auto error = database->migrate(schema); !error.empty()) return {nullptr, error};
  return {std::move(database), ""};
}

std::string Database::migrate(const Schema& schema) {
  const int latest = schema.latest_version();
  auto version = user_version(db_);
  if (!version) {
    int code = sqlite3_errcode(db_);
    return path_.string() + (code == SQLITE_NOTADB
                                 ? " is not a SQLite database; check " + std::string(schema.config_key)
                                 : ": " + std::string(sqlite3_errmsg(db_)));
  }
  if (*version > latest) return newer_schema(path_, *version, latest);
  if (auto mode = journal_mode_wal(db_); mode != "wal")
    return path_.string() + ": cannot switch to WAL mode (" + (mode.empty() ? sqlite3_errmsg(db_) : mode) +
           ")";
  if (auto error = run(db_, "PRAGMA foreign_keys=ON"); !error.empty()) return path_.string() + ": " + error;
  if (*version == latest) return "";

  if (auto error = run(db_, "BEGIN IMMEDIATE"); !error.empty()) return path_.string() + ": " + error;
  version = user_version(db_);  // another process may have migrated it meanwhile
  std::string error;
  if (!version)
    error = sqlite3_errmsg(db_);
  else if (*version > latest)
    error = newer_schema(path_, *version, latest);
  for (const auto& migration : schema.migrations) {
    if (!error.empty() || migration.version <= *version) continue;
    error = run(db_, migration.sql);
    if (error.empty()) error = run(db_, ("PRAGMA user_version=" + std::to_string(migration.version)).c_str());
    if (!error.empty())
      error =
          path_.string() + ": schema migration " + std::to_string(migration.version) + " failed: " + error;
  }
  if (error.empty()) error = run(db_, "COMMIT");
  if (!error.empty()) run(db_, "ROLLBACK");
  return error;
}

Database::Database(Database&& other) noexcept : db_(other.db_), path_(std::move(other.path_)) {
  other.db_ = nullptr;
}

Database::~Database() {
  sqlite3_close(db_);
}

int Database::schema_version() const {
  auto version = user_version(db_);
  if (!version) fail("reading the schema version");
  return *version;
}

int Database::changes() const {
  return sqlite3_changes(db_);
}

void Database::fail(std::string_view doing) const {
  int code = sqlite3_extended_errcode(db_);
  throw StoreError(path_.string() + ": " + std::string(doing) + ": " + sqlite3_errmsg(db_), is_busy(code));
}

Statement::Statement(const Database& db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK)
    db.fail("preparing a statement");
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
      SQLITE_OK)
    db_.fail("binding a value");
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) db_.fail("binding a value");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.fail("running a statement");
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
  auto* text = sqlite3_column_text(stmt_, column);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
              : "";
}

std::int64_t Statement::integer(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

Transaction::Transaction(const Database& db) : db_(db) {
  if (sqlite3_exec(db.handle(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    db.fail("starting a transaction");
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  if (sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) db_.fail("committing");
  open_ = false;
}

}  // namespace mta::store
