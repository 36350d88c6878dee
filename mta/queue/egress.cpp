#include "mta/queue/egress.hpp"

#include <algorithm>

#include "dns/ascii.hpp"
#include "dkim/signing_table.hpp"

namespace mta::queue {
namespace {

constexpr int kAddressMatch = 2000;  // beyond any domain match (dkim::match_specificity gives at most 1000)

}  // namespace

SmoothWeightedRoundRobin::SmoothWeightedRoundRobin(std::vector<unsigned> weights)
    : weights_(weights.begin(), weights.end()), current_(weights.size(), 0) {
  for (auto w : weights_)
    total_ += w;
}

std::size_t SmoothWeightedRoundRobin::next() {
  std::size_t best = 0;
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    current_[i] += weights_[i];
    if (current_[i] > current_[best]) best = i;
  }
  current_[best] -= total_;
  return best;
}

EgressSettings egress_settings(const config::DeliveryConfig& delivery, const std::string& hostname) {
  EgressSettings settings;
  for (const auto& source : delivery.sources) {
    asio::error_code ec;
    auto address = asio::ip::make_address(source.address, ec);
    if (ec) continue;  // the loader rejects such a file
    settings.sources.push_back({source.name, address, source.ehlo.empty() ? hostname : source.ehlo});
  }
  settings.pools = delivery.pools;
  settings.sender_pools = delivery.sender_pools;
  settings.default_pool = delivery.default_pool;
  return settings;
}

int sender_match_specificity(std::string_view pattern, std::string_view sender) {
  auto at = sender.rfind('@');
  if (at == std::string_view::npos) return -1;  // the null sender, or no domain: only default_pool applies
  if (pattern.find('@') != std::string_view::npos)
    return ascii::lowered(pattern) == ascii::lowered(sender) ? kAddressMatch : -1;
  return dkim::match_specificity(pattern, sender.substr(at + 1));
}

EgressSelector::EgressSelector(const EgressSettings& settings)
    : sender_pools_(settings.sender_pools), default_pool_(settings.default_pool) {
  for (const auto& source : settings.sources)
    sources_.push_back(std::make_shared<const EgressSource>(source));
  for (const auto& pool : settings.pools) {
    std::vector<SourcePtr> members;
    std::vector<unsigned> weights;
    for (const auto& member : pool.sources) {
      auto found = source(member.source);
      if (!found || member.weight == 0) continue;
      members.push_back(std::move(found));
      weights.push_back(member.weight);
    }
    if (!members.empty())
      pools_.emplace(pool.name, Pool{std::move(members), SmoothWeightedRoundRobin(weights)});
  }
}

std::string EgressSelector::pool_for(std::string_view sender, std::string_view requested) const {
  if (!requested.empty() && pools_.contains(requested)) return std::string(requested);
  int best = -1;
  const std::string* chosen = &default_pool_;
  for (const auto& rule : sender_pools_) {
    int specificity = sender_match_specificity(rule.sender, sender);
    if (specificity > best) {
      best = specificity;
      chosen = &rule.pool;
    }
  }
  return *chosen;
}

SourcePtr EgressSelector::source(std::string_view name) const {
  auto it =
      std::find_if(sources_.begin(), sources_.end(), [&](const SourcePtr& s) { return s->name == name; });
  return it == sources_.end() ? nullptr : *it;
}

SourcePtr EgressSelector::next_source(const std::string& pool) {
  auto it = pools_.find(pool);
  if (it == pools_.end()) return nullptr;
  return it->second.members[it->second.turns.next()];
}

SourcePtr EgressSelector::choose(std::string_view sender, std::string_view requested) {
  return next_source(pool_for(sender, requested));
}

}  // namespace mta::queue
