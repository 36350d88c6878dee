#include "campaigns/suppression/memory_suppression_store.hpp"

namespace campaigns {

AddOutcome MemorySuppressionStore::add(const Suppression& entry) {
  std::lock_guard lock(mutex_);
  return entries_.emplace(entry.target.str(), entry).second ? AddOutcome::added : AddOutcome::already_present;
}

std::vector<AddOutcome> MemorySuppressionStore::add_all(const std::vector<Suppression>& entries) {
  std::vector<AddOutcome> outcomes;
  for (const auto& entry : entries)
    outcomes.push_back(add(entry));
  return outcomes;
}

bool MemorySuppressionStore::remove(const SuppressionTarget& target) {
  std::lock_guard lock(mutex_);
  return entries_.erase(target.str()) > 0;
}

std::optional<Suppression> MemorySuppressionStore::lookup(const Address& address) {
  std::lock_guard lock(mutex_);
  for (const auto& target : {SuppressionTarget::address(address), SuppressionTarget::domain_of(address)})
    if (auto it = entries_.find(target.str()); it != entries_.end()) return it->second;
  return std::nullopt;
}

std::vector<Suppression> MemorySuppressionStore::list(const SuppressionFilter& filter) {
  std::lock_guard lock(mutex_);
  std::vector<Suppression> out;
  for (const auto& [key, entry] : entries_) {
    if (filter.limit && out.size() >= *filter.limit) break;
    if (!filter.reason || entry.reason == *filter.reason) out.push_back(entry);
  }
  return out;
}

}  // namespace campaigns
