// campaigns::render_sample: the first row that renders (bad rows before it counted, suppression not
// consulted), and the problems that leave no sample, each naming the CSV (and the first bad line).
#include "campaigns/message/campaign_sample.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/campaigns/campaign_fixture.hpp"

namespace campaigns {
namespace {

using test::CampaignDir;
using test::kGoodCampaign;
using ::testing::HasSubstr;

const TokenSecret kSecret = TokenSecret::from_bytes("0123456789abcdef0123456789abcdef-sample-secret");

CampaignSample sample(CampaignDir& dir, const std::string& csv) {
  dir.dir.write("list.csv", csv);
  auto load = dir.load(kGoodCampaign);
  EXPECT_TRUE(load.campaign) << (load.errors.empty() ? "" : load.errors.front().message);
  return load.campaign ? render_sample(*load.campaign, kSecret) : CampaignSample{};
}

TEST(CampaignSample, FirstRowThatRenders) {
  CampaignDir dir;
  auto s = sample(dir,
                  "email,first_name,offer\n"
                  "not-an-address,X,1\n"      // 2 invalid
                  "carl@example.com,Carl,\n"  // 3 missing {{offer}}
                  "jane@example.com,Jane,10% off\n"
                  "bob@example.com,Bob,5% off\n");
  ASSERT_EQ(s.error, "");
  EXPECT_EQ(s.line, 4u);
  EXPECT_EQ(s.skipped, 2u);
  EXPECT_EQ(s.message.recipient, "jane@example.com");
  EXPECT_EQ(s.recipient_id, recipient_id_for({"jane", "example.com"}).str());
  EXPECT_THAT(s.message.envelope_from, HasSubstr("@bounce.acme.example"));
  EXPECT_THAT(s.message.message, HasSubstr("10% off"));
  EXPECT_THAT(s.csv, HasSubstr("list.csv"));
}

TEST(CampaignSample, NoRowRendersNamesTheFirstBadLine) {
  CampaignDir dir;
  auto s = sample(dir, "email,first_name,offer\nnot-an-address,X,1\ncarl@example.com,Carl,\n");
  EXPECT_THAT(s.error, HasSubstr("no row of "));
  EXPECT_THAT(s.error, HasSubstr("list.csv:2: invalid address"));
  EXPECT_THAT(s.error, HasSubstr("2 rows"));
}

TEST(CampaignSample, EmptyListHeaderErrorsAndUnknownFields) {
  CampaignDir dir;
  EXPECT_THAT(sample(dir, "email,first_name,offer\n").error, HasSubstr("has no recipients"));
  EXPECT_THAT(sample(dir, "name,offer\nx,y\n").error, HasSubstr("list.csv: "));
  EXPECT_THAT(sample(dir, "email,first_name\njane@example.com,Jane\n").error, HasSubstr("offer"));
}

TEST(CampaignSample, MissingCsvIsAnError) {
  CampaignDir dir;
  auto load = dir.load(kGoodCampaign);
  ASSERT_TRUE(load.campaign);
  std::filesystem::remove(load.campaign->recipients);
  EXPECT_THAT(render_sample(*load.campaign, kSecret).error, HasSubstr("cannot read "));
}

}  // namespace
}  // namespace campaigns
