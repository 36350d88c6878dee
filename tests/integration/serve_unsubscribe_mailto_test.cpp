// The mailto form of unsubscribing: mail to a campaign's unsubscribe+TOKEN@ mailbox, sent with swaks to
// `relayctl serve`'s inbound listener (the mailbox's domain is no relay domain: relayctl answers for it
// itself), is accepted and suppresses the recipient the token names once DATA ends with 250; it is never
// queued. A forged token gets 550 at RCPT, counted in relayctl_smtp_refusals_total; the same mailbox on
// the relay listener is handled the same way, so nothing addressed to it is ever forwarded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/campaign_seed.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

RunResult send_to(unsigned short port, const std::string& to) {
  return swaks({"--server", "127.0.0.1:" + std::to_string(port), "--from", "bob@dest.test", "--to", to,
                "--header", "Subject: unsubscribe"});
}

TEST(ServeUnsubscribeMailto, MailToTheUnsubscribeMailboxSuppressesForgedTokensAreRefused) {
  SmtpDaemon daemon;
  CampaignSeed seed(daemon);
  unsigned short metrics = enable_metrics_listener(daemon);
  seed.add_campaign("spring-24", "", "bounces@bounce.test", "unsubscribe@unsub.test");
  seed.add_recipient("spring-24", "1", "bob@dest.test");
  seed.add_recipient("spring-24", "2", "carol@dest.test");
  ASSERT_TRUE(daemon.start()) << daemon.log();

  auto sent = send_to(daemon.inbound_port(), seed.address("unsubscribe@unsub.test", "spring-24", "1"));
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  EXPECT_THAT(sent.out, HasSubstr("250 2.0.0 Ok: unsubscribed"));
  auto listed = daemon.relayctl({"suppress", "list"});
  EXPECT_THAT(listed.out, HasSubstr("bob@dest.test"));
  EXPECT_THAT(listed.out, HasSubstr("mailto campaign spring-24"));
  EXPECT_TRUE(daemon.queued_ids().empty());

  // The relay listener (a trusted client, who may relay) does not forward it either: it is ours.
  auto relayed = send_to(daemon.relay_port(), seed.address("unsubscribe@unsub.test", "spring-24", "2"));
  ASSERT_EQ(relayed.exit_code, 0) << relayed.out << relayed.err;
  EXPECT_THAT(daemon.relayctl({"suppress", "list"}).out, HasSubstr("carol@dest.test"));
  EXPECT_TRUE(daemon.queued_ids().empty());

  // Forged: a token altered by one character.
  std::string forged = seed.address("unsubscribe@unsub.test", "spring-24", "1");
  auto at = forged.find('@');
  forged[at - 1] = forged[at - 1] == 'a' ? 'b' : 'a';
  auto refused = send_to(daemon.inbound_port(), forged);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.out + refused.err, HasSubstr("550 5.1.1 Unsubscribe address not valid"));
  // And a true token naming a recipient the database does not have.
  auto unknown = send_to(daemon.inbound_port(), seed.address("unsubscribe@unsub.test", "spring-24", "77"));
  EXPECT_THAT(unknown.out + unknown.err, HasSubstr("550 5.1.1"));
  // An ordinary address at that domain is still no relay of ours.
  auto other = send_to(daemon.inbound_port(), "someone@unsub.test");
  EXPECT_THAT(other.out + other.err, HasSubstr("554 5.7.1 Relay access denied"));

  EXPECT_THAT(get_metrics(metrics),
              HasSubstr("relayctl_smtp_refusals_total{reason=\"unsubscribe_invalid\"} 2\n"));
  EXPECT_THAT(get_metrics(metrics), HasSubstr("relayctl_unsubscribe_mail_total 2\n"));
  EXPECT_TRUE(daemon.queued_ids().empty());
  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
}

}  // namespace
