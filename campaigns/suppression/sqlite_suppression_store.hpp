// sqlite_suppression_store.hpp — the suppression list in the campaigns database (table suppression: the
// canonical target "local@domain" or "@domain" as key, reason, source, created_at in Unix seconds).
// Errors: SQLite failures throw StoreError naming the file. Untrusted input: entries' source texts, bound
// as parameters, never spliced into SQL.
#pragma once

#include "campaigns/store/database.hpp"
#include "campaigns/suppression/suppression.hpp"

namespace campaigns {

class SqliteSuppressionStore final : public SuppressionStore {
 public:
  explicit SqliteSuppressionStore(const Database& db) : db_(db) {}

  AddOutcome add(const Suppression& entry) override;
  std::vector<AddOutcome> add_all(const std::vector<Suppression>& entries) override;
  bool remove(const SuppressionTarget& target) override;
  std::optional<Suppression> lookup(const Address& address) override;
  std::vector<Suppression> list(const SuppressionFilter& filter) override;

 private:
  const Database& db_;
};

}  // namespace campaigns
