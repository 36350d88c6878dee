// campaigns::CampaignStore: a campaign created with its rows, marks that survive reopening the database,
// counts that add up (recipients = pending + skipped + injected + refused), and the list.
#include "campaigns/store/campaign_store.hpp"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace campaigns {
namespace {

std::vector<RecipientRecord> rows() {
  return {
      {2, "id2", "a@x.test", RecipientState::pending, "", "", ""},
      {3, "id3", "b@x.test", RecipientState::pending, "", "", ""},
      {4, "", "", RecipientState::skipped, "invalid_address", "'nope': no @", ""},
      {5, "", "A@x.test", RecipientState::skipped, "duplicate", "a@x.test is already on line 2", ""},
      {6, "", "c@x.test", RecipientState::skipped, "suppressed", "suppressed", ""},
      {7, "id7", "d@x.test", RecipientState::pending, "", "", ""},
  };
}

CampaignRecord record(std::string id) {
  return {std::move(id), "Spring", "/c/spring.toml", "bulk", "bounces@b.test", "unsub@x.test", "", 0, 0};
}

class CampaignStoreTest : public ::testing::Test {
 protected:
  relay::test::TempDir dir;
  std::filesystem::path path = dir.path() / "relayctl.db";
};

TEST_F(CampaignStoreTest, CreateMarkAndCount) {
  {
    auto db = Database::open(path);
    ASSERT_TRUE(db.database) << db.error;
    CampaignStore store(*db.database);
    EXPECT_FALSE(store.find("spring"));
    store.create(record("spring"), rows());
    store.mark_injected("spring", 2, "Q1");
    store.mark_refused("spring", 3, "550 5.7.1 no");
    store.mark_skipped("spring", 7, "missing_field", "offer");
  }
  auto db = Database::open(path);
  CampaignStore store(*db.database);
  auto found = store.find("spring");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->state, "sending");
  EXPECT_EQ(found->pool, "bulk");
  EXPECT_EQ(found->bounce_address, "bounces@b.test");
  EXPECT_GT(found->created_at, 0);
  auto counts = store.counts("spring");
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->recipients, 6);
  EXPECT_EQ(counts->injected, 1);
  EXPECT_EQ(counts->refused, 1);
  EXPECT_EQ(counts->pending, 0);
  EXPECT_EQ(counts->skipped, 4);
  EXPECT_EQ(counts->skipped_by_reason.at("missing_field"), 1);
  EXPECT_EQ(counts->skipped_by_reason.at("duplicate"), 1);
  auto stored = store.recipients("spring");
  ASSERT_EQ(stored.size(), 6u);
  EXPECT_EQ(stored[0].queue_id, "Q1");
  EXPECT_EQ(stored[0].state, RecipientState::injected);
  EXPECT_EQ(stored[1].detail, "550 5.7.1 no");
  EXPECT_EQ(stored[2].recipient_id, "");  // NULL in the table
  EXPECT_EQ(stored[3].address, "A@x.test");
  store.set_state("spring", "done");
  EXPECT_EQ(store.find("spring")->state, "done");
}

TEST_F(CampaignStoreTest, ListAndUnknown) {
  auto db = Database::open(path);
  CampaignStore store(*db.database);
  store.create(record("one"), rows());
  store.create(record("two"), {});
  EXPECT_FALSE(store.counts("three"));
  auto all = store.list();
  ASSERT_EQ(all.size(), 2u);
  const auto& two = all[0].campaign.id == "two" ? all[0] : all[1];
  const auto& one = all[0].campaign.id == "two" ? all[1] : all[0];
  EXPECT_EQ(one.campaign.id, "one");
  EXPECT_EQ(one.recipients, 6);
  EXPECT_EQ(two.recipients, 0);
  EXPECT_THROW(store.create(record("one"), {}), StoreError);  // the id is taken
}

TEST(SkipReasonNames, EveryReasonHasAName) {
  for (std::size_t i = 0; i < kSkipReasons; ++i)
    EXPECT_FALSE(skip_reason_name(static_cast<SkipReason>(i)).empty());
  EXPECT_EQ(skip_reason_name(SkipReason::missing_field), "missing_field");
}

}  // namespace
}  // namespace campaigns
