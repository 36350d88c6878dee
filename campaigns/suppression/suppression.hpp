// suppression.hpp — the suppression list: addresses and whole domains that campaigns must not mail, with
// why (reason), where from (source) and since when. SuppressionStore is the seam for a store shared by
// several nodes later (Redis, PostgreSQL); SqliteSuppressionStore and MemorySuppressionStore implement it.
// Errors: a store that cannot reach its data throws StoreError (database.hpp); nothing here fails on input,
// which arrives already parsed (SuppressionTarget, Address). Untrusted input: source texts, kept verbatim.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/formats/address.hpp"

namespace campaigns {

enum class Reason { hard_bounce, soft_bounce, complaint, unsubscribe, manual, import };

std::string_view to_string(Reason reason);                  // "hard-bounce", "complaint", ...
std::optional<Reason> parse_reason(std::string_view text);  // exactly those names
inline constexpr std::string_view kReasonNames =
    "hard-bounce, soft-bounce, complaint, unsubscribe, manual, import";

inline constexpr std::size_t kMaxSourceLength = 256;
// A source is free text for people: at most kMaxSourceLength octets, no control characters.
bool is_valid_source(std::string_view source);

struct Suppression {
  SuppressionTarget target;
  Reason reason = Reason::manual;
  std::string source;
  std::chrono::sys_seconds time{};
};

enum class AddOutcome { added, already_present };

struct SuppressionFilter {
  std::optional<Reason> reason;
  std::optional<std::size_t> limit;
};

class SuppressionStore {
 public:
  virtual ~SuppressionStore() = default;

  // Adds the entry; an existing one for the same target keeps its reason, source and time.
  virtual AddOutcome add(const Suppression& entry) = 0;
  // Adds all of them at once (one transaction in SQLite), an outcome for each, in order.
  virtual std::vector<AddOutcome> add_all(const std::vector<Suppression>& entries) = 0;
  virtual bool remove(const SuppressionTarget& target) = 0;  // false when it was not there
  // The entry that stops mail to this address: the address itself, else its whole domain.
  virtual std::optional<Suppression> lookup(const Address& address) = 0;
  // Ordered by target.
  virtual std::vector<Suppression> list(const SuppressionFilter& filter) = 0;
};

}  // namespace campaigns
