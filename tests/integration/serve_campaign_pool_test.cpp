// A campaign's egress pool: `relayctl serve` sends a message whose MAIL FROM is a valid VERP return path
// of a known campaign from that campaign's pool (the campaigns row's pool, through the engine's
// requested_pool hook), while ordinary mail and mail with a forged return path leave from the default
// pool. The behaviour sink on 127.0.0.1 records each message's client address; the accounting log names
// the source.
#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/behaviour_sink.hpp"
#include "tests/support/campaign_seed.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;

RunResult relay_in(const SmtpDaemon& daemon, const std::string& from, const std::string& to) {
  return swaks({"--server", "127.0.0.1:" + std::to_string(daemon.relay_port()), "--from", from, "--to", to,
                "--header", "Subject: campaign pool test"});
}

TEST(ServeCampaignPool, CampaignMailLeavesFromItsPoolOtherMailFromTheDefault) {
  BehaviourSink sink;
  DaemonOptions options;
  options.delivery = "default_pool = \"main\"\n";
  options.extra =
      "[[delivery.source]]\nname = \"a\"\naddress = \"127.0.0.2\"\n"
      "[[delivery.source]]\nname = \"b\"\naddress = \"127.0.0.3\"\n"
      "[[delivery.pool]]\nname = \"main\"\nsources = [{ name = \"a\" }]\n"
      "[[delivery.pool]]\nname = \"bulk\"\nsources = [{ name = \"b\" }]\n" +
      route_all_to(sink.port());
  SmtpDaemon daemon(options);
  CampaignSeed seed(daemon);
  seed.add_campaign("spring-24", "bulk", "bounces@bounce.test", "unsubscribe@unsub.test");
  seed.add_recipient("spring-24", "1", "accept-campaign@dest.test");
  ASSERT_TRUE(daemon.start()) << daemon.log();

  std::string campaign_sender = seed.address("bounces@bounce.test", "spring-24", "1");
  std::string forged = campaign_sender;
  auto at = forged.find('@');
  forged[at - 1] = forged[at - 1] == 'a' ? 'b' : 'a';
  for (auto [from, to] :
       {std::pair{campaign_sender, std::string("accept-campaign@dest.test")},
        std::pair{std::string("news@example.com"), std::string("accept-ordinary@dest.test")},
        std::pair{forged, std::string("accept-forged@dest.test")}}) {
    auto sent = relay_in(daemon, from, to);
    ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  }
  ASSERT_TRUE(daemon.wait_for_empty_queue(30s)) << daemon.log();

  std::map<std::string, std::string> peer_of;
  for (const auto& message : sink.messages())
    for (const auto& recipient : message.recipients)
      peer_of[recipient] = message.peer;
  EXPECT_EQ(peer_of["accept-campaign@dest.test"], "127.0.0.3");
  EXPECT_EQ(peer_of["accept-ordinary@dest.test"], "127.0.0.2");
  EXPECT_EQ(peer_of["accept-forged@dest.test"], "127.0.0.2");
  std::map<std::string, std::string> source_of;
  for (const auto& line : daemon.accounting())
    source_of[line["recipient"].get<std::string>()] = line["egress_source"].get<std::string>();
  EXPECT_EQ(source_of["accept-campaign@dest.test"], "b");
  EXPECT_EQ(source_of["accept-ordinary@dest.test"], "a");
  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
}

}  // namespace
