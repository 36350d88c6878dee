// memory_suppression_store.hpp — a SuppressionStore in memory, for tests of the code that consults the
// suppression list (campaign sending, bounce handling); it behaves as SqliteSuppressionStore does (the
// same unit tests run against both). Errors: none. Untrusted input: as the SQLite store's.
#pragma once

#include <map>
#include <mutex>

#include "campaigns/suppression/suppression.hpp"

namespace campaigns {

class MemorySuppressionStore final : public SuppressionStore {
 public:
  AddOutcome add(const Suppression& entry) override;
  std::vector<AddOutcome> add_all(const std::vector<Suppression>& entries) override;
  bool remove(const SuppressionTarget& target) override;
  std::optional<Suppression> lookup(const Address& address) override;
  std::vector<Suppression> list(const SuppressionFilter& filter) override;

 private:
  std::mutex mutex_;
  std::map<std::string, Suppression> entries_;  // by canonical target, the order list() gives
};

}  // namespace campaigns
