// campaign_directory.hpp — the daemon's view of the campaigns database: mta::smtp::CampaignHooks (a VERP
// sender's campaign and its pool, suppression at RCPT, the unsubscribe mailboxes) and the one-click
// endpoint's tokens (UnsubscribeTokens). Campaign rows (rarely changed) are a cached snapshot, reloaded
// when SQLite's data_version says another connection wrote (looked at once a second); a true token of a
// campaign not in it yet is looked up at once. Suppression and recipient reads are prepared point lookups
// on one read connection with a short busy timeout (kReadBusyTimeout), so an I/O thread never waits long;
// unsubscribes are written through a second connection. Errors: nothing throws out of here: a failed read
// falls back (not campaign mail, not suppressed, not ours), a failed write reports failure; both are
// logged and counted (Metrics::campaign_lookup_failures). Untrusted input: every address and token
// (verp.hpp decodes them; values reach SQL only as bound parameters).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/daemon/unsubscribe_tokens.hpp"
#include "campaigns/store/database.hpp"
#include "campaigns/tokens/token_secret.hpp"
#include "campaigns/tokens/verp.hpp"
#include "mta/server/metrics.hpp"
#include "mta/smtp/campaign_hooks.hpp"

namespace campaigns {

inline constexpr std::chrono::milliseconds kReadBusyTimeout{100};

class CampaignDirectory final : public mta::smtp::CampaignHooks, public UnsubscribeTokens {
 public:
  struct Opened;
  // Opens two connections to the database (migrating it like every other opener) and reads the campaigns.
  // Without a secret no token is valid: only suppressed() is of use (check_suppression = "all").
  static Opened open(const std::filesystem::path& database, std::optional<TokenSecret> secret,
                     mta::server::Metrics& metrics);
  ~CampaignDirectory() override;

  std::optional<std::string> campaign_pool(std::string_view sender) override;
  bool suppressed(std::string_view recipient) override;
  mta::smtp::UnsubscribeMailbox unsubscribe_mailbox(std::string_view recipient) override;
  bool unsubscribe_by_mail(std::string_view recipient) override;
  // Bounce mailboxes: every address at a domain of `domains` ([bounces] domains: dedicated bounce domains),
  // and each campaign's bounce mailbox with or without a token (bounces@, bounces+TOKEN@ — never the rest
  // of its domain, which may be a domain people use). Only once a consumer is set: until then none.
  bool bounce_mailbox(std::string_view recipient) override;
  mta::smtp::BounceIntake consume_bounce(const mta::smtp::BounceMail& mail) override;
  using BounceConsumer = std::function<mta::smtp::BounceIntake(const mta::smtp::BounceMail&)>;
  // Set once, before the listeners start.
  void set_bounce_consumer(std::vector<std::string> domains, BounceConsumer consumer);

  TokenRecipient find(std::string_view token) override;
  UnsubscribeOutcome unsubscribe(std::string_view token) override;

  struct CampaignRow {
    std::string pool;
    BounceAddress bounce;
    std::optional<BounceAddress> unsubscribe;
  };
  struct Snapshot {
    std::map<std::string, CampaignRow, std::less<>> by_id;
    std::vector<BounceAddress> bounces;       // distinct, for decode_verp
    std::vector<BounceAddress> unsubscribes;  // distinct
  };

 private:
  CampaignDirectory(std::unique_ptr<Database> reader, std::unique_ptr<Database> writer,
                    std::optional<TokenSecret> secret, mta::server::Metrics& metrics);
  enum class Role { bounce, unsubscribe };
  struct Match {
    TokenStatus status = TokenStatus::not_a_token;  // valid only for a known campaign with this mailbox
    std::optional<TokenIds> ids;
    const CampaignRow* row = nullptr;
  };
  bool may_carry_token(std::string_view address) const;
  Match match_locked(std::string_view address, Role role);
  const CampaignRow* campaign_locked(const std::string& id);
  void refresh_locked();
  void load_locked();
  static std::optional<CampaignRow> row_of(const Statement& rows);
  static void remember(Snapshot& snapshot, std::string id, CampaignRow row);
  std::optional<std::string> recipient_address_locked(const TokenIds& ids);
  UnsubscribeOutcome suppress(const TokenIds& ids, const std::string& address, std::string_view via);
  void failed(std::string_view doing, const std::exception& error);

  std::unique_ptr<Database> reader_;
  std::unique_ptr<Database> writer_;
  std::optional<TokenSecret> secret_;
  mta::server::Metrics& metrics_;
  std::mutex read_mutex_;  // reader_, its statements, the snapshot
  std::mutex write_mutex_;
  std::unique_ptr<Statement> data_version_, suppression_, recipient_, campaign_;
  Snapshot snapshot_;
  std::vector<std::string> bounce_domains_;  // canonical
  BounceConsumer bounce_consumer_;
  std::int64_t version_ = -1;
  std::chrono::steady_clock::time_point checked_{};
};

struct CampaignDirectory::Opened {
  std::shared_ptr<CampaignDirectory> directory;
  std::string error;
};

}  // namespace campaigns
