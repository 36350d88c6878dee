// campaign_store.hpp — the write and query side of the campaigns and recipients tables (schema 2, see
// schema.cpp): `campaign send` creates a campaign with one row per CSV row, then marks each recipient
// injected (with the daemon's queue id) or refused (with its reply) the moment the daemon answers, each in
// its own commit, so a crash loses at most the answers in flight; `campaign list` and `status` count them.
// Errors: StoreError (database.hpp) from every call. Untrusted input: none; values are bound parameters.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/store/database.hpp"
#include "campaigns/campaign/recipients.hpp"

namespace campaigns {

enum class RecipientState { pending, skipped, injected, refused };
std::string_view to_string(RecipientState state);
std::string_view skip_reason_name(SkipReason reason);  // "invalid_address": the name stored as reason

struct CampaignRecord {
  std::string id, name, file, pool, bounce_address, unsubscribe_mailto;
  std::string state;  // sending or done
  std::int64_t created_at = 0, updated_at = 0;
};

// One CSV row as recorded: its line, the recipient it names (when its address parsed), and how it stands.
struct RecipientRecord {
  std::int64_t line = 0;
  std::string recipient_id;  // empty: the row got none (skipped before an id, or a repeat)
  std::string address;       // empty when the row had no usable address
  RecipientState state = RecipientState::pending;
  std::string reason, detail, queue_id;
};

struct CampaignCounts {
  CampaignRecord campaign;
  std::int64_t recipients = 0, pending = 0, skipped = 0, injected = 0, refused = 0;
  std::map<std::string, std::int64_t> skipped_by_reason;  // by stored reason name
};

class CampaignStore {
 public:
  explicit CampaignStore(const Database& db);
  ~CampaignStore();

  class Writer;
  class Cursor;

  std::optional<CampaignRecord> find(std::string_view id) const;
  // Inserts the campaign (state sending) and all its rows in one transaction (Writer, for long lists).
  void create(const CampaignRecord& campaign, const std::vector<RecipientRecord>& rows);
  std::vector<RecipientRecord> recipients(std::string_view id) const;  // by line (Cursor, for long lists)

  // Each its own commit (WAL, synchronous=NORMAL: it survives the process being killed once it returns).
  void mark_injected(std::string_view id, std::int64_t line, std::string_view queue_id);
  void mark_refused(std::string_view id, std::int64_t line, std::string_view reply);
  void mark_skipped(std::string_view id, std::int64_t line, std::string_view reason, std::string_view detail);
  void set_state(std::string_view id, std::string_view state);

  std::optional<CampaignCounts> counts(std::string_view id) const;
  std::vector<CampaignCounts> list() const;  // newest first

 private:
  void mark(std::string_view id, std::int64_t line, RecipientState state, std::string_view reason,
            std::string_view detail, std::string_view queue_id);

  const Database& db_;
  std::unique_ptr<Statement> mark_;
};

// Creates a campaign row by row, in one transaction: nothing is recorded unless commit() is reached.
class CampaignStore::Writer {
 public:
  Writer(const CampaignStore& store, const CampaignRecord& campaign);
  void add(const RecipientRecord& row);
  void commit();

 private:
  Transaction transaction_;
  std::string id_;
  std::int64_t at_;
  Statement insert_;
};

// A campaign's recipients in line order, one at a time.
class CampaignStore::Cursor {
 public:
  Cursor(const CampaignStore& store, std::string_view id);
  bool next(RecipientRecord& row);

 private:
  Statement select_;
};

}  // namespace campaigns
