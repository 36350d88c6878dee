#include "campaigns/suppression/sqlite_suppression_store.hpp"

namespace campaigns {
namespace {

constexpr const char* kInsert =
    "INSERT INTO suppression (target, reason, source, created_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (target) DO NOTHING";
constexpr const char* kColumns = "SELECT target, reason, source, created_at FROM suppression ";

AddOutcome insert(const Database& db, Statement& statement, const Suppression& entry) {
  statement.reset();
  statement.bind(1, entry.target.str())
      .bind(2, to_string(entry.reason))
      .bind(3, entry.source)
      .bind(4, static_cast<std::int64_t>(entry.time.time_since_epoch().count()));
  statement.step();
  return db.changes() > 0 ? AddOutcome::added : AddOutcome::already_present;
}

Suppression row(const Database& db, const Statement& statement) {
  auto target = SuppressionTarget::parse(statement.text(0));
  auto reason = parse_reason(statement.text(1));
  if (!target.target || !reason)
    throw StoreError(
        db.path().string() + ": the suppression row for \"" + statement.text(0) + "\" is damaged (" +
            (target.target ? "reason " + statement.text(1) : target.problem) + "); delete it with sqlite3",
        false);
  return {*target.target, *reason, statement.text(2),
          std::chrono::sys_seconds{std::chrono::seconds{statement.integer(3)}}};
}

}  // namespace

AddOutcome SqliteSuppressionStore::add(const Suppression& entry) {
  Statement statement(db_, kInsert);
  return insert(db_, statement, entry);
}

std::vector<AddOutcome> SqliteSuppressionStore::add_all(const std::vector<Suppression>& entries) {
  std::vector<AddOutcome> outcomes;
  outcomes.reserve(entries.size());
  Transaction transaction(db_);
  Statement statement(db_, kInsert);
  for (const auto& entry : entries)
    outcomes.push_back(insert(db_, statement, entry));
  transaction.commit();
  return outcomes;
}

bool SqliteSuppressionStore::remove(const SuppressionTarget& target) {
  Statement statement(db_, "DELETE FROM suppression WHERE target = ?");
  statement.bind(1, target.str()).step();
  return db_.changes() > 0;
}

std::optional<Suppression> SqliteSuppressionStore::lookup(const Address& address) {
  // The address's own entry sorts before its domain's ("@" first only for the domain entry).
  std::string sql = std::string(kColumns) + "WHERE target IN (?, ?) ORDER BY substr(target, 1, 1) = '@'";
  Statement statement(db_, sql.c_str());
  statement.bind(1, SuppressionTarget::address(address).str())
      .bind(2, SuppressionTarget::domain_of(address).str());
  if (!statement.step()) return std::nullopt;
  return row(db_, statement);
}

std::vector<Suppression> SqliteSuppressionStore::list(const SuppressionFilter& filter) {
  std::string sql = kColumns;
  if (filter.reason) sql += "WHERE reason = ?1 ";
  sql += "ORDER BY target LIMIT ?2";
  Statement statement(db_, sql.c_str());
  if (filter.reason) statement.bind(1, to_string(*filter.reason));
  statement.bind(2, filter.limit ? static_cast<std::int64_t>(*filter.limit) : std::int64_t{-1});
  std::vector<Suppression> entries;
  while (statement.step())
    entries.push_back(row(db_, statement));
  return entries;
}

}  // namespace campaigns
