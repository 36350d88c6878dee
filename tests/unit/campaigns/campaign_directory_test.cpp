// CampaignDirectory over a real SQLite database in a temp dir: a campaign's pool from its VERP return
// path (forged, foreign and ordinary senders are not campaign mail), unsubscribe mailboxes (valid,
// invalid, not ours), suppression by address and domain, one-click tokens, no secret (suppression only),
// and a database that fails under it: the answer falls back and the failure is counted.
#include "campaigns/daemon/campaign_directory.hpp"

#include <gtest/gtest.h>

#include "campaigns/store/database.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace campaigns;
using mta::smtp::UnsubscribeMailbox;

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef";

class CampaignDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::open(path());
    ASSERT_TRUE(opened.database) << opened.error;
    db_ = std::move(opened.database);
    exec(
        "INSERT INTO campaigns (id, file, pool, bounce_address, unsubscribe_mailto, state, created_at, "
        "updated_at) VALUES ('spring', 'f', 'bulk', 'bounces@bounce.test', 'unsubscribe@unsub.test', "
        "'sending', "
        "0, 0)");
    exec(
        "INSERT INTO recipients (campaign_id, line, recipient_id, address, state, updated_at) VALUES "
        "('spring', 1, '1', 'bob@dest.test', 'pending', 0)");
    exec(
        "INSERT INTO suppression (target, reason, created_at) VALUES ('gone@dest.test', 'manual', 0), "
        "('@blocked.test', 'manual', 0)");
  }
  std::filesystem::path path() const { return dir_.path() / "c.db"; }
  void exec(const char* sql) {
    Statement statement(*db_, sql);
    statement.step();
  }
  std::shared_ptr<CampaignDirectory> open(bool with_secret = true) {
    std::optional<TokenSecret> secret;
    if (with_secret) secret = TokenSecret::from_bytes(kSecret);
    auto opened = CampaignDirectory::open(path(), std::move(secret), metrics_);
    EXPECT_TRUE(opened.directory) << opened.error;
    return opened.directory;
  }
  std::string token(const std::string& campaign, const std::string& recipient) const {
    return make_token(secret_, *CampaignId::parse(campaign), *RecipientId::parse(recipient));
  }
  std::string address(const std::string& mailbox, const std::string& campaign, const std::string& recipient) {
    return verp_address(*BounceAddress::parse(mailbox), token(campaign, recipient));
  }
  static std::string altered(std::string address) {
    auto at = address.find('@');
    address[at - 1] = address[at - 1] == 'a' ? 'b' : 'a';
    return address;
  }

  relay::test::TempDir dir_;
  std::unique_ptr<Database> db_;
  TokenSecret secret_ = TokenSecret::from_bytes(kSecret);
  mta::server::Metrics metrics_;
};

TEST_F(CampaignDirectoryTest, CampaignPoolOnlyForAValidReturnPathOfAKnownCampaign) {
  auto directory = open();
  std::string verp = address("bounces@bounce.test", "spring", "1");
  EXPECT_EQ(directory->campaign_pool(verp), "bulk");
  EXPECT_EQ(directory->campaign_pool(altered(verp)), std::nullopt);
  EXPECT_EQ(directory->campaign_pool(address("bounces@bounce.test", "autumn", "1")), std::nullopt);
  EXPECT_EQ(directory->campaign_pool(address("bounces@other.test", "spring", "1")), std::nullopt);
  EXPECT_EQ(directory->campaign_pool("news@example.com"), std::nullopt);
  EXPECT_EQ(directory->campaign_pool("someone+tag@example.com"), std::nullopt);
  // A campaign added after the directory read the table is found at once.
  exec(
      "INSERT INTO campaigns (id, file, pool, bounce_address, unsubscribe_mailto, state, created_at, "
      "updated_at) VALUES ('autumn', 'f', 'fall', 'bounces@bounce.test', 'unsubscribe@unsub.test', "
      "'sending', "
      "0, 0)");
  EXPECT_EQ(directory->campaign_pool(address("bounces@bounce.test", "autumn", "1")), "fall");
  EXPECT_EQ(metrics_.campaign_lookup_failures.load(), 0u);
}

TEST_F(CampaignDirectoryTest, UnsubscribeMailboxes) {
  auto directory = open();
  std::string mailbox = address("unsubscribe@unsub.test", "spring", "1");
  EXPECT_EQ(directory->unsubscribe_mailbox(mailbox), UnsubscribeMailbox::valid);
  EXPECT_EQ(directory->unsubscribe_mailbox(altered(mailbox)), UnsubscribeMailbox::invalid);
  EXPECT_EQ(directory->unsubscribe_mailbox("unsubscribe+junk@unsub.test"), UnsubscribeMailbox::invalid);
  EXPECT_EQ(directory->unsubscribe_mailbox(address("unsubscribe@unsub.test", "spring", "2")),
            UnsubscribeMailbox::invalid);  // no such recipient
  // The bounce mailbox is not the unsubscribe mailbox.
  EXPECT_EQ(directory->unsubscribe_mailbox(address("bounces@bounce.test", "spring", "1")),
            UnsubscribeMailbox::not_ours);
  EXPECT_EQ(directory->unsubscribe_mailbox("someone+tag@example.com"), UnsubscribeMailbox::not_ours);
  EXPECT_EQ(directory->unsubscribe_mailbox("bob@dest.test"), UnsubscribeMailbox::not_ours);

  EXPECT_TRUE(directory->unsubscribe_by_mail(mailbox));
  EXPECT_TRUE(directory->suppressed("bob@dest.test"));
  EXPECT_TRUE(directory->unsubscribe_by_mail(mailbox));  // already there: still recorded
  EXPECT_EQ(metrics_.unsubscribes_by_mail.load(), 1u);
}

TEST_F(CampaignDirectoryTest, SuppressedByAddressOrDomain) {
  auto directory = open();
  EXPECT_TRUE(directory->suppressed("gone@dest.test"));
  EXPECT_TRUE(directory->suppressed("GONE@DEST.TEST"));
  EXPECT_TRUE(directory->suppressed("anyone@blocked.test"));
  EXPECT_FALSE(directory->suppressed("here@dest.test"));
  EXPECT_FALSE(directory->suppressed("not an address"));
}

TEST_F(CampaignDirectoryTest, OneClickTokens) {
  auto directory = open();
  auto found = directory->find(token("spring", "1"));
  EXPECT_EQ(found.status, TokenLookup::valid);
  EXPECT_EQ(found.address, "bob@dest.test");
  EXPECT_EQ(directory->find("spring.1.aaaaaaaaaaaa").status, TokenLookup::bad_token);
  EXPECT_EQ(directory->find("").status, TokenLookup::bad_token);
  EXPECT_EQ(directory->find(token("spring", "9")).status, TokenLookup::unknown_recipient);
  EXPECT_EQ(directory->unsubscribe(token("spring", "1")), UnsubscribeOutcome::unsubscribed);
  EXPECT_EQ(directory->unsubscribe(token("spring", "1")), UnsubscribeOutcome::already_unsubscribed);
  EXPECT_EQ(directory->unsubscribe(token("spring", "9")), UnsubscribeOutcome::unknown_recipient);
  EXPECT_TRUE(directory->suppressed("bob@dest.test"));
}

TEST_F(CampaignDirectoryTest, WithoutASecretOnlySuppressionWorks) {
  auto directory = open(false);
  EXPECT_EQ(directory->campaign_pool(address("bounces@bounce.test", "spring", "1")), std::nullopt);
  EXPECT_EQ(directory->unsubscribe_mailbox(address("unsubscribe@unsub.test", "spring", "1")),
            UnsubscribeMailbox::not_ours);
  EXPECT_EQ(directory->find(token("spring", "1")).status, TokenLookup::bad_token);
  EXPECT_TRUE(directory->suppressed("gone@dest.test"));
}

TEST_F(CampaignDirectoryTest, AFailingDatabaseFallsBackAndIsCounted) {
  auto directory = open();
  exec("DROP TABLE suppression");
  EXPECT_FALSE(directory->suppressed("gone@dest.test"));
  EXPECT_EQ(directory->unsubscribe(token("spring", "1")), UnsubscribeOutcome::failed);
  EXPECT_EQ(metrics_.campaign_lookup_failures.load(), 2u);
}

}  // namespace
