#include "campaigns/daemon/campaign_directory.hpp"

#include <algorithm>

#include <sqlite3.h>

#include "campaigns/formats/address.hpp"
#include "campaigns/suppression/sqlite_suppression_store.hpp"
#include "mta/log/log.hpp"
#include "mta/smtp/ascii.hpp"

namespace campaigns {
namespace {

constexpr auto kRecheck = std::chrono::seconds(1);

bool same_mailbox(const BounceAddress& a, const BounceAddress& b) {
  return mta::smtp::iequals(a.local, b.local) && a.domain == b.domain;
}

void add_distinct(std::vector<BounceAddress>& list, const BounceAddress& mailbox) {
  if (std::none_of(list.begin(), list.end(), [&](const auto& m) { return same_mailbox(m, mailbox); }))
    list.push_back(mailbox);
}

// Only an address with a '+' in its local part can carry a token: ordinary mail never touches SQLite.
bool has_plus(std::string_view address) {
  auto at = address.rfind('@');
  return at != std::string_view::npos && address.substr(0, at).find('+') != std::string_view::npos;
}

// The mailbox an address would carry a token at: its local part up to the first '+' (a bounce or
// unsubscribe mailbox has none of its own), at its domain. decode_verp checks the rest.
std::optional<BounceAddress> token_mailbox(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  auto plus = address.substr(0, at).find('+');
  if (plus == std::string_view::npos) return std::nullopt;
  return BounceAddress::parse(std::string(address.substr(0, plus)) + std::string(address.substr(at)));
}

}  // namespace

bool CampaignDirectory::may_carry_token(std::string_view address) const {
  return secret_ && has_plus(address);
}

CampaignDirectory::Opened CampaignDirectory::open(const std::filesystem::path& database,
                                                  std::optional<TokenSecret> secret,
                                                  mta::server::Metrics& metrics) {
  auto reader = Database::open(database);
  if (!reader.database) return {nullptr, reader.error};
  auto writer = Database::open(database);
  if (!writer.database) return {nullptr, writer.error};
  sqlite3_busy_timeout(reader.database->handle(), static_cast<int>(kReadBusyTimeout.count()));
  std::shared_ptr<CampaignDirectory> directory(new CampaignDirectory(
      std::move(reader.database), std::move(writer.database), std::move(secret), metrics));
  try {
    std::lock_guard lock(directory->read_mutex_);
    directory->refresh_locked();
  } catch (const StoreError& e) {
    return {nullptr, e.what() + std::string("; check [campaigns] database")};
  }
  return {std::move(directory), ""};
}

CampaignDirectory::CampaignDirectory(std::unique_ptr<Database> reader, std::unique_ptr<Database> writer,
                                     std::optional<TokenSecret> secret, mta::server::Metrics& metrics)
    : reader_(std::move(reader)), writer_(std::move(writer)), secret_(std::move(secret)), metrics_(metrics) {
  data_version_ = std::make_unique<Statement>(*reader_, "PRAGMA data_version");
  suppression_ =
      std::make_unique<Statement>(*reader_, "SELECT 1 FROM suppression WHERE target IN (?1, ?2) LIMIT 1");
  recipient_ = std::make_unique<Statement>(
      *reader_, "SELECT address FROM recipients WHERE campaign_id = ?1 AND recipient_id = ?2");
  campaign_ = std::make_unique<Statement>(
      *reader_, "SELECT id, pool, bounce_address, unsubscribe_mailto FROM campaigns WHERE id = ?1");
}

CampaignDirectory::~CampaignDirectory() {
  // Statements before their connection.
  data_version_.reset();
  suppression_.reset();
  recipient_.reset();
  campaign_.reset();
}

void CampaignDirectory::failed(std::string_view doing, const std::exception& error) {
  ++metrics_.campaign_lookup_failures;
  mta::log::warn("campaigns.database_failed", {{"doing", doing}, {"error", error.what()}});
}

void CampaignDirectory::refresh_locked() {
  auto now = std::chrono::steady_clock::now();
  if (version_ >= 0 && now - checked_ < kRecheck) return;
  checked_ = now;
  data_version_->reset();
  std::int64_t version = data_version_->step() ? data_version_->integer(0) : 0;
  data_version_->reset();
  if (version == version_) return;
  load_locked();
  version_ = version;
}

std::optional<CampaignDirectory::CampaignRow> CampaignDirectory::row_of(const Statement& rows) {
  auto bounce = BounceAddress::parse(rows.text(2));
  if (!bounce) {
    mta::log::warn("campaigns.bad_row", {{"campaign", rows.text(0)}, {"bounce_address", rows.text(2)}});
    return std::nullopt;
  }
  return CampaignRow{rows.text(1), *bounce, BounceAddress::parse(rows.text(3))};
}

void CampaignDirectory::remember(Snapshot& snapshot, std::string id, CampaignRow row) {
  add_distinct(snapshot.bounces, row.bounce);
  if (row.unsubscribe) add_distinct(snapshot.unsubscribes, *row.unsubscribe);
  snapshot.by_id.insert_or_assign(std::move(id), std::move(row));
}

void CampaignDirectory::load_locked() {
  Snapshot next;
  Statement rows(*reader_, "SELECT id, pool, bounce_address, unsubscribe_mailto FROM campaigns");
  while (rows.step())
    if (auto row = row_of(rows)) remember(next, rows.text(0), std::move(*row));
  snapshot_ = std::move(next);
}

const CampaignDirectory::CampaignRow* CampaignDirectory::campaign_locked(const std::string& id) {
  if (auto it = snapshot_.by_id.find(id); it != snapshot_.by_id.end()) return &it->second;
  // Not in the snapshot: a campaign created since it was read. Only a true MAC gets here, so a forger
  // cannot make us query.
  campaign_->reset();
  campaign_->bind(1, id);
  std::optional<CampaignRow> row;
  if (campaign_->step()) row = row_of(*campaign_);
  campaign_->reset();
  if (!row) return nullptr;
  remember(snapshot_, id, std::move(*row));
  return &snapshot_.by_id.at(id);
}

CampaignDirectory::Match CampaignDirectory::match_locked(std::string_view address, Role role) {
  refresh_locked();
  auto mailbox = token_mailbox(address);
  if (!secret_ || !mailbox) return {};
  auto check = decode_verp(*secret_, *mailbox, address);
  if (check.status == TokenStatus::valid) {
    if (const CampaignRow* row = campaign_locked(check.ids->campaign.str())) {
      const auto& own = role == Role::bounce ? std::optional(row->bounce) : row->unsubscribe;
      if (own && same_mailbox(*own, *mailbox)) return {TokenStatus::valid, check.ids, row};
    }
  }
  // Forged (or a true token of no campaign of this mailbox) only at one of our mailboxes; anywhere else
  // it is someone's address with a '+' in it.
  const auto& ours = role == Role::bounce ? snapshot_.bounces : snapshot_.unsubscribes;
  if (std::any_of(ours.begin(), ours.end(), [&](const auto& m) { return same_mailbox(m, *mailbox); }))
    return {TokenStatus::forged, std::nullopt, nullptr};
  return {};
}

std::optional<std::string> CampaignDirectory::campaign_pool(std::string_view sender) {
  if (!may_carry_token(sender)) return std::nullopt;
  try {
    std::lock_guard lock(read_mutex_);
    auto found = match_locked(sender, Role::bounce);
    if (found.status != TokenStatus::valid) return std::nullopt;
    return found.row->pool;
  } catch (const StoreError& e) {
    failed("campaign lookup", e);
    return std::nullopt;
  }
}

bool CampaignDirectory::suppressed(std::string_view recipient) {
  auto parsed = parse_address(recipient);
  if (!parsed.address) return false;
  try {
    std::lock_guard lock(read_mutex_);
    suppression_->reset();
    suppression_->bind(1, SuppressionTarget::address(*parsed.address).str())
        .bind(2, SuppressionTarget::domain_of(*parsed.address).str());
    bool found = suppression_->step();
    suppression_->reset();
    return found;
  } catch (const StoreError& e) {
    failed("suppression lookup", e);
    return false;
  }
}

std::optional<std::string> CampaignDirectory::recipient_address_locked(const TokenIds& ids) {
  recipient_->reset();
  recipient_->bind(1, ids.campaign.str()).bind(2, ids.recipient.str());
  std::optional<std::string> address;
  if (recipient_->step()) address = recipient_->text(0);
  recipient_->reset();
  return address;
}

mta::smtp::UnsubscribeMailbox CampaignDirectory::unsubscribe_mailbox(std::string_view recipient) {
  using mta::smtp::UnsubscribeMailbox;
  if (!may_carry_token(recipient)) return UnsubscribeMailbox::not_ours;
  try {
    std::lock_guard lock(read_mutex_);
    auto found = match_locked(recipient, Role::unsubscribe);
    if (found.status == TokenStatus::not_a_token) return UnsubscribeMailbox::not_ours;
    if (found.status == TokenStatus::forged || !recipient_address_locked(*found.ids))
      return UnsubscribeMailbox::invalid;
    return UnsubscribeMailbox::valid;
  } catch (const StoreError& e) {
    failed("unsubscribe mailbox lookup", e);
    return UnsubscribeMailbox::not_ours;
  }
}

bool CampaignDirectory::unsubscribe_by_mail(std::string_view recipient) {
  std::optional<TokenIds> ids;
  std::optional<std::string> address;
  try {
    std::lock_guard lock(read_mutex_);
    auto found = match_locked(recipient, Role::unsubscribe);
    if (found.status != TokenStatus::valid) return false;
    ids = found.ids;
    address = recipient_address_locked(*ids);
  } catch (const StoreError& e) {
    failed("unsubscribe mailbox lookup", e);
    return false;
  }
  if (!address) return false;
  auto outcome = suppress(*ids, *address, "mailto");
  if (outcome == UnsubscribeOutcome::unsubscribed) ++metrics_.unsubscribes_by_mail;
  return outcome == UnsubscribeOutcome::unsubscribed || outcome == UnsubscribeOutcome::already_unsubscribed;
}

void CampaignDirectory::set_bounce_consumer(std::vector<std::string> domains, BounceConsumer consumer) {
  for (auto& domain : domains) domain = mta::smtp::ascii_lowered(domain);
  bounce_domains_ = std::move(domains);
  bounce_consumer_ = std::move(consumer);
}

bool CampaignDirectory::bounce_mailbox(std::string_view recipient) {
  if (!bounce_consumer_) return false;
  auto at = recipient.rfind('@');
  if (at == std::string_view::npos) return false;
  std::string domain = mta::smtp::ascii_lowered(recipient.substr(at + 1));
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (std::find(bounce_domains_.begin(), bounce_domains_.end(), domain) != bounce_domains_.end()) return true;
  auto local = recipient.substr(0, at);
  local = local.substr(0, local.find('+'));
  try {
    std::lock_guard lock(read_mutex_);
    refresh_locked();
    return std::any_of(snapshot_.bounces.begin(), snapshot_.bounces.end(), [&](const BounceAddress& mailbox) {
      return mailbox.domain == domain && mta::smtp::iequals(mailbox.local, local);
    });
  } catch (const StoreError& e) {
    failed("bounce mailbox lookup", e);
    return false;
  }
}

mta::smtp::BounceIntake CampaignDirectory::consume_bounce(const mta::smtp::BounceMail& mail) {
  if (!bounce_consumer_) return mta::smtp::BounceIntake::ignored;
  return bounce_consumer_(mail);
}

TokenRecipient CampaignDirectory::find(std::string_view token) {
  if (!secret_) return {TokenLookup::bad_token, "", ""};
  auto check = check_token(*secret_, token);
  if (check.status != TokenStatus::valid) return {TokenLookup::bad_token, "", ""};
  try {
    std::lock_guard lock(read_mutex_);
    auto address = recipient_address_locked(*check.ids);
    if (!address) return {TokenLookup::unknown_recipient, check.ids->campaign.str(), ""};
    return {TokenLookup::valid, check.ids->campaign.str(), *address};
  } catch (const StoreError& e) {
    failed("unsubscribe token lookup", e);
    return {TokenLookup::failed, "", ""};
  }
}

UnsubscribeOutcome CampaignDirectory::unsubscribe(std::string_view token) {
  auto found = find(token);
  switch (found.status) {
    case TokenLookup::bad_token:
      return UnsubscribeOutcome::bad_token;
    case TokenLookup::unknown_recipient:
      return UnsubscribeOutcome::unknown_recipient;
    case TokenLookup::failed:
      return UnsubscribeOutcome::failed;
    case TokenLookup::valid:
      break;
  }
  auto ids = check_token(*secret_, token).ids;
  return suppress(*ids, found.address, "one-click");
}

UnsubscribeOutcome CampaignDirectory::suppress(const TokenIds& ids, const std::string& address,
                                               std::string_view via) {
  auto parsed = parse_address(address);
  if (!parsed.address) {
    mta::log::warn(
        "campaigns.bad_recipient_address",
        {{"campaign", ids.campaign.str()}, {"recipient", ids.recipient.str()}, {"address", address}});
    return UnsubscribeOutcome::unknown_recipient;
  }
  Suppression entry{SuppressionTarget::address(*parsed.address), Reason::unsubscribe,
                    std::string(via) + " campaign " + ids.campaign.str(),
                    std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())};
  try {
    std::lock_guard lock(write_mutex_);
    SqliteSuppressionStore store(*writer_);
    auto added = store.add(entry);
    mta::log::info("unsubscribe.recorded", {{"campaign", ids.campaign.str()},
                                            {"recipient", ids.recipient.str()},
                                            {"via", via},
                                            {"new", added == AddOutcome::added}});
    return added == AddOutcome::added ? UnsubscribeOutcome::unsubscribed
                                      : UnsubscribeOutcome::already_unsubscribed;
  } catch (const StoreError& e) {
    failed("unsubscribe", e);
    return UnsubscribeOutcome::failed;
  }
}

}  // namespace campaigns
