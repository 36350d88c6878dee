// Suppression at RCPT for campaign mail ([campaigns] check_suppression = "campaign", the default): a
// message whose MAIL FROM is a valid VERP return path of a known campaign gets 550 5.7.1 for a recipient
// on the suppression list (the address, or its whole domain), counted as suppressed_recipient; the same
// recipients from an ordinary sender, or from a forged return path, are accepted as before. A campaign
// created while the daemon runs is recognized at once. "all" checks every relayed message, "off" none.
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/campaign_seed.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

// The RCPT replies for these recipients in one transaction from sender, on the relay listener.
std::vector<std::string> rcpt_replies(const SmtpDaemon& daemon, const std::string& sender,
                                      const std::vector<std::string>& recipients, bool inbound = false) {
  SmtpClient client;
  EXPECT_TRUE(client.connect(inbound ? daemon.inbound_port() : daemon.relay_port()));
  client.reply();
  client.command("EHLO client.test");
  EXPECT_EQ(reply_code(client.command("MAIL FROM:<" + sender + ">")), 250);
  std::vector<std::string> replies;
  for (const auto& recipient : recipients)
    replies.push_back(client.command("RCPT TO:<" + recipient + ">"));
  client.command("QUIT");
  return replies;
}

TEST(ServeCampaignSuppression, CampaignMailToSuppressedRecipientsIsRefusedOrdinaryMailIsNot) {
  SmtpDaemon daemon;
  CampaignSeed seed(daemon);
  unsigned short metrics = enable_metrics_listener(daemon);
  seed.add_campaign("spring-24", "", "bounces@bounce.test", "unsubscribe@unsub.test");
  seed.add_recipient("spring-24", "1", "bob@dest.test");
  ASSERT_EQ(daemon.relayctl({"suppress", "add", "bob@dest.test", "--reason", "unsubscribe"}).exit_code, 0);
  ASSERT_EQ(daemon.relayctl({"suppress", "add", "@blocked.test", "--reason", "manual"}).exit_code, 0);
  ASSERT_TRUE(daemon.start()) << daemon.log();

  std::vector<std::string> recipients{"bob@dest.test", "anyone@blocked.test", "ok@dest.test"};
  std::string campaign_sender = seed.address("bounces@bounce.test", "spring-24", "1");
  auto campaign = rcpt_replies(daemon, campaign_sender, recipients);
  EXPECT_THAT(campaign[0], HasSubstr("550 5.7.1 Recipient is on the suppression list"));
  EXPECT_THAT(campaign[1], HasSubstr("550 5.7.1 Recipient is on the suppression list"));
  EXPECT_EQ(reply_code(campaign[2]), 250) << campaign[2];

  for (const auto& reply : rcpt_replies(daemon, "news@example.com", recipients))
    EXPECT_EQ(reply_code(reply), 250) << reply;
  std::string forged = campaign_sender;
  auto at = forged.find('@');
  forged[at - 1] = forged[at - 1] == 'a' ? 'b' : 'a';
  for (const auto& reply : rcpt_replies(daemon, forged, recipients))
    EXPECT_EQ(reply_code(reply), 250) << reply;

  // A campaign created while the daemon runs is recognized from its first message on.
  seed.add_campaign("late", "", "bounces@bounce.test", "unsubscribe@unsub.test");
  auto late = rcpt_replies(daemon, seed.address("bounces@bounce.test", "late", "1"), {"bob@dest.test"});
  EXPECT_THAT(late[0], HasSubstr("550 5.7.1"));

  EXPECT_THAT(get_metrics(metrics),
              HasSubstr("relayctl_smtp_refusals_total{reason=\"suppressed_recipient\"} 3\n"));
  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
}

TEST(ServeCampaignSuppression, CheckSuppressionAllRefusesEveryRelayedMessageOffNone) {
  // "all" works without a token secret too: it needs only the suppression list.
  for (auto [mode, with_secret] : {std::pair{std::string("all"), true}, std::pair{std::string("all"), false},
                                   std::pair{std::string("off"), true}}) {
    SmtpDaemon daemon;
    std::string line = "check_suppression = \"" + mode + "\"\n";
    std::optional<CampaignSeed> seed;
    if (with_secret)
      seed.emplace(daemon, line);
    else
      ASSERT_TRUE(daemon.edit_config("[campaigns]\n", "[campaigns]\n" + line));
    ASSERT_EQ(daemon.relayctl({"suppress", "add", "bob@dest.test", "--reason", "manual"}).exit_code, 0);
    ASSERT_EQ(daemon.relayctl({"suppress", "add", "bob@local.test", "--reason", "manual"}).exit_code, 0);
    ASSERT_TRUE(daemon.start()) << daemon.log();
    auto replies = rcpt_replies(daemon, "news@example.com", {"bob@dest.test", "ann@dest.test"});
    EXPECT_EQ(reply_code(replies[0]), mode == "all" ? 550 : 250) << mode << ": " << replies[0];
    EXPECT_EQ(reply_code(replies[1]), 250) << mode << ": " << replies[1];
    // The inbound listener's mail (for our customers' relay domains) is never checked.
    auto inbound = rcpt_replies(daemon, "news@example.com", {"bob@local.test"}, true);
    EXPECT_EQ(reply_code(inbound[0]), 250) << mode << ": " << inbound[0];
    EXPECT_EQ(daemon.stop(), 0) << daemon.log();
  }
}

}  // namespace
