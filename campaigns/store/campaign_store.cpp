#include "campaigns/store/campaign_store.hpp"

#include <array>
#include <ctime>

#include <sqlite3.h>

namespace campaigns {
namespace {

constexpr std::array<std::string_view, 4> kStateNames{"pending", "skipped", "injected", "refused"};
constexpr std::array<std::string_view, kSkipReasons> kSkipReasonNames{
    "malformed", "invalid_address", "duplicate", "suppressed", "missing_field"};

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

RecipientState state_from(std::string_view text) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == text) return static_cast<RecipientState>(i);
  return RecipientState::pending;  // the schema's CHECK allows nothing else
}

constexpr const char* kCampaignColumns =
    "id, name, file, pool, bounce_address, unsubscribe_mailto, state, created_at, updated_at";

CampaignRecord campaign_from(const Statement& s) {
  return {s.text(0), s.text(1), s.text(2),    s.text(3),   s.text(4),
          s.text(5), s.text(6), s.integer(7), s.integer(8)};
}

}  // namespace

std::string_view to_string(RecipientState state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

std::string_view skip_reason_name(SkipReason reason) {
  return kSkipReasonNames[static_cast<std::size_t>(reason)];
}

CampaignStore::CampaignStore(const Database& db) : db_(db) {
  // WAL with synchronous=NORMAL: a commit is durable against the process dying (kill -9) without an fsync
  // per recipient; only a power loss may take back the last commits.
  if (sqlite3_exec(db.handle(), "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr) != SQLITE_OK)
    db.fail("setting synchronous=NORMAL");
  mark_ = std::make_unique<Statement>(
      db,
      "UPDATE recipients SET state = ?3, reason = ?4, detail = ?5, queue_id = ?6, updated_at = ?7 "
      "WHERE campaign_id = ?1 AND line = ?2");
}

CampaignStore::~CampaignStore() = default;

std::optional<CampaignRecord> CampaignStore::find(std::string_view id) const {
  Statement s(db_, (std::string("SELECT ") + kCampaignColumns + " FROM campaigns WHERE id = ?1").c_str());
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return campaign_from(s);
}

void CampaignStore::create(const CampaignRecord& c, const std::vector<RecipientRecord>& rows) {
  Writer writer(*this, c);
  for (const auto& r : rows)
    writer.add(r);
  writer.commit();
}

std::vector<RecipientRecord> CampaignStore::recipients(std::string_view id) const {
  std::vector<RecipientRecord> rows;
  Cursor cursor(*this, id);
  RecipientRecord row;
  while (cursor.next(row))
    rows.push_back(row);
  return rows;
}

CampaignStore::Writer::Writer(const CampaignStore& store, const CampaignRecord& c)
    : transaction_(store.db_),
      id_(c.id),
      at_(now()),
      insert_(store.db_,
              "INSERT INTO recipients (campaign_id, line, recipient_id, address, state, reason, detail, "
              "updated_at) VALUES (?1, ?2, NULLIF(?3, ''), ?4, ?5, ?6, ?7, ?8)") {
  Statement campaign(
      store.db_,
      "INSERT INTO campaigns (id, name, file, pool, bounce_address, unsubscribe_mailto, state, "
      "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'sending', ?7, ?7)");
  campaign.bind(1, c.id).bind(2, c.name).bind(3, c.file).bind(4, c.pool).bind(5, c.bounce_address);
  campaign.bind(6, c.unsubscribe_mailto).bind(7, at_);
  campaign.step();
}

void CampaignStore::Writer::add(const RecipientRecord& r) {
  insert_.bind(1, id_).bind(2, r.line).bind(3, r.recipient_id).bind(4, r.address);
  insert_.bind(5, to_string(r.state)).bind(6, r.reason).bind(7, r.detail).bind(8, at_);
  insert_.step();
  insert_.reset();
}

void CampaignStore::Writer::commit() {
  transaction_.commit();
}

CampaignStore::Cursor::Cursor(const CampaignStore& store, std::string_view id)
    : select_(store.db_,
              "SELECT line, recipient_id, address, state, reason, detail, queue_id FROM recipients "
              "WHERE campaign_id = ?1 ORDER BY line") {
  select_.bind(1, id);
}

bool CampaignStore::Cursor::next(RecipientRecord& row) {
  if (!select_.step()) return false;
  row = {select_.integer(0), select_.text(1), select_.text(2), state_from(select_.text(3)),
         select_.text(4),    select_.text(5), select_.text(6)};
  return true;
}

void CampaignStore::mark(std::string_view id, std::int64_t line, RecipientState state,
                         std::string_view reason, std::string_view detail, std::string_view queue_id) {
  mark_->bind(1, id).bind(2, line).bind(3, to_string(state)).bind(4, reason).bind(5, detail);
  mark_->bind(6, queue_id).bind(7, now());
  mark_->step();
  mark_->reset();
}

void CampaignStore::mark_injected(std::string_view id, std::int64_t line, std::string_view queue_id) {
  mark(id, line, RecipientState::injected, "", "", queue_id);
}

void CampaignStore::mark_refused(std::string_view id, std::int64_t line, std::string_view reply) {
  mark(id, line, RecipientState::refused, "", reply, "");
}

void CampaignStore::mark_skipped(std::string_view id, std::int64_t line, std::string_view reason,
                                 std::string_view detail) {
  mark(id, line, RecipientState::skipped, reason, detail, "");
}

void CampaignStore::set_state(std::string_view id, std::string_view state) {
  Statement s(db_, "UPDATE campaigns SET state = ?2, updated_at = ?3 WHERE id = ?1");
  s.bind(1, id).bind(2, state).bind(3, now());
  s.step();
}

std::optional<CampaignCounts> CampaignStore::counts(std::string_view id) const {
  auto campaign = find(id);
  if (!campaign) return std::nullopt;
  CampaignCounts counts{*campaign, 0, 0, 0, 0, 0, {}};
  Statement s(db_,
              "SELECT state, reason, count(*) FROM recipients WHERE campaign_id = ?1 GROUP BY state, reason");
  s.bind(1, id);
  while (s.step()) {
    auto n = s.integer(2);
    counts.recipients += n;
    switch (state_from(s.text(0))) {
      case RecipientState::pending:
        counts.pending += n;
        break;
      case RecipientState::injected:
        counts.injected += n;
        break;
      case RecipientState::refused:
        counts.refused += n;
        break;
      case RecipientState::skipped:
        counts.skipped += n;
        counts.skipped_by_reason[s.text(1)] += n;
        break;
    }
  }
  return counts;
}

std::vector<CampaignCounts> CampaignStore::list() const {
  std::vector<std::string> ids;
  Statement s(db_, "SELECT id FROM campaigns ORDER BY created_at DESC, id");
  while (s.step())
    ids.push_back(s.text(0));
  std::vector<CampaignCounts> all;
  for (const auto& id : ids)
    if (auto c = counts(id)) all.push_back(std::move(*c));
  return all;
}

}  // namespace campaigns
