// The session's campaign hooks without sockets or a database (a fake CampaignHooks): unsubscribe
// mailboxes accepted on every listener and kept out of the stored recipients, forged ones refused with
// 550 5.1.1; suppression at RCPT as [campaigns] check_suppression says (campaign, all, off).
#include <set>

#include <gtest/gtest.h>

#include "mta/smtp/server_session.hpp"

namespace {

using namespace mta::smtp;
using mta::config::ListenerKind;
using mta::config::SuppressionCheck;

class FakeHooks final : public CampaignHooks {
 public:
  std::optional<std::string> campaign_pool(std::string_view sender) override {
    if (sender == "bounces+good@bounce.test") return "bulk";
    return std::nullopt;
  }
  bool suppressed(std::string_view recipient) override { return recipient == "gone@dest.test"; }
  UnsubscribeMailbox unsubscribe_mailbox(std::string_view recipient) override {
    if (recipient == "unsubscribe+good@unsub.test") return UnsubscribeMailbox::valid;
    if (recipient == "unsubscribe+bad@unsub.test") return UnsubscribeMailbox::invalid;
    return UnsubscribeMailbox::not_ours;
  }
  bool unsubscribe_by_mail(std::string_view) override { return true; }
  bool bounce_mailbox(std::string_view recipient) override {
    return recipient.ends_with("@bounce.test");
  }
  BounceIntake consume_bounce(const BounceMail&) override { return BounceIntake::recorded; }
};

struct Case {
  std::string label;
  ListenerKind kind;
  bool trusted;
  SuppressionCheck check;
  std::string sender;
  std::string recipient;
  int code;
};

class CampaignRcpt : public ::testing::TestWithParam<Case> {};

TEST_P(CampaignRcpt, ReplyCode) {
  const auto& c = GetParam();
  SessionConfig config;
  config.kind = c.kind;
  config.relay_domains = {"local.test"};
  config.campaigns = std::make_shared<FakeHooks>();
  config.check_suppression = c.check;
  ServerSession session(config, ClientInfo{"127.0.0.1", c.trusted, true, false, "", {}});
  ASSERT_EQ(session.on_line({"EHLO client.test", false}).reply->code, 250);
  ASSERT_EQ(session.on_line({"MAIL FROM:<" + c.sender + ">", false}).reply->code, 250);
  auto step = session.on_line({"RCPT TO:<" + c.recipient + ">", false});
  ASSERT_TRUE(step.reply);
  EXPECT_EQ(step.reply->code, c.code) << c.label << ": " << step.reply->format();
}

INSTANTIATE_TEST_SUITE_P(
    Table, CampaignRcpt,
    ::testing::Values(Case{"unsubscribe on inbound", ListenerKind::inbound, false, SuppressionCheck::campaign,
                           "a@b.test", "unsubscribe+good@unsub.test", 250},
                      Case{"forged unsubscribe", ListenerKind::inbound, false, SuppressionCheck::campaign,
                           "a@b.test", "unsubscribe+bad@unsub.test", 550},
                      Case{"forged unsubscribe, trusted relay", ListenerKind::relay, true,
                           SuppressionCheck::campaign, "a@b.test", "unsubscribe+bad@unsub.test", 550},
                      Case{"bounce on inbound", ListenerKind::inbound, false, SuppressionCheck::campaign, "",
                           "bounces+anything@bounce.test", 250},
                      Case{"complaint on relay, untrusted client", ListenerKind::relay, false,
                           SuppressionCheck::campaign, "", "fbl@bounce.test", 250},
                      Case{"other address at the domain", ListenerKind::inbound, false,
                           SuppressionCheck::campaign, "a@b.test", "x@unsub.test", 554},
                      Case{"campaign to suppressed", ListenerKind::relay, true, SuppressionCheck::campaign,
                           "bounces+good@bounce.test", "gone@dest.test", 550},
                      Case{"campaign to others", ListenerKind::relay, true, SuppressionCheck::campaign,
                           "bounces+good@bounce.test", "here@dest.test", 250},
                      Case{"ordinary to suppressed", ListenerKind::relay, true, SuppressionCheck::campaign,
                           "a@b.test", "gone@dest.test", 250},
                      Case{"all: ordinary to suppressed", ListenerKind::relay, true, SuppressionCheck::all,
                           "a@b.test", "gone@dest.test", 550},
                      Case{"off: campaign to suppressed", ListenerKind::relay, true, SuppressionCheck::off,
                           "bounces+good@bounce.test", "gone@dest.test", 250}),
    [](const auto& info) {
      std::string name;
      for (char ch : info.param.label)
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

TEST(CampaignRcpt, UnsubscribeMailboxesAreKeptApartFromTheStoredRecipients) {
  SessionConfig config;
  config.kind = ListenerKind::relay;
  config.campaigns = std::make_shared<FakeHooks>();
  ServerSession session(config, ClientInfo{"127.0.0.1", true, true, false, "", {}});
  session.on_line({"EHLO client.test", false});
  session.on_line({"MAIL FROM:<a@b.test>", false});
  EXPECT_EQ(session.on_line({"RCPT TO:<unsubscribe+good@unsub.test>", false}).reply->code, 250);
  EXPECT_EQ(session.on_line({"RCPT TO:<friend@dest.test>", false}).reply->code, 250);
  EXPECT_EQ(session.transaction().recipients, std::vector<std::string>{"friend@dest.test"});
  EXPECT_EQ(session.transaction().unsubscribes, std::vector<std::string>{"unsubscribe+good@unsub.test"});
  EXPECT_EQ(session.on_line({"DATA", false}).reply->code, 354);
  auto step = session.on_unsubscribed(false);
  EXPECT_EQ(step.reply->code, 451);
  EXPECT_TRUE(session.transaction().unsubscribes.empty());
}

TEST(CampaignRcpt, BounceMailboxesAreKeptApartAndAFailureIsATemporaryRefusal) {
  SessionConfig config;
  config.kind = ListenerKind::inbound;
  config.relay_domains = {"local.test"};
  config.campaigns = std::make_shared<FakeHooks>();
  ServerSession session(config, ClientInfo{"192.0.2.7", false, true, false, "", {}});
  session.on_line({"EHLO mx.remote.test", false});
  session.on_line({"MAIL FROM:<>", false});
  EXPECT_EQ(session.on_line({"RCPT TO:<bounces+x@bounce.test>", false}).reply->code, 250);
  EXPECT_EQ(session.on_line({"RCPT TO:<user@local.test>", false}).reply->code, 250);
  EXPECT_EQ(session.on_line({"RCPT TO:<user@elsewhere.test>", false}).reply->code, 554);
  EXPECT_EQ(session.transaction().recipients, std::vector<std::string>{"user@local.test"});
  EXPECT_EQ(session.transaction().bounce_mailboxes, std::vector<std::string>{"bounces+x@bounce.test"});
  EXPECT_EQ(session.on_line({"DATA", false}).reply->code, 354);
  auto failed = session.on_bounce_consumed(BounceIntake::failed);
  EXPECT_EQ(failed.reply->code, 451);
  EXPECT_TRUE(session.transaction().bounce_mailboxes.empty());
  session.on_line({"MAIL FROM:<>", false});
  session.on_line({"RCPT TO:<bounces+y@bounce.test>", false});
  session.on_line({"DATA", false});
  EXPECT_EQ(session.on_bounce_consumed(BounceIntake::ignored).reply->code, 250);
}

}  // namespace
