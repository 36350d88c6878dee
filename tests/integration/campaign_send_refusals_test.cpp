// What `relayctl campaign send` refuses, each with a clear message and exit code, recording nothing it
// should not: the daemon down (exit 3 at once, the campaign resumable), a campaign id sent before without
// --resume (2), --resume after the recipients CSV changed (2, naming the line), a daemon that does not let
// this host relay (exit 3, nobody marked refused), a daemon that admits fewer connections than asked for
// (the send goes on with those), 4xx replies from the daemon (retried: everyone arrives once), --dry-run
// (counts, nothing sent or recorded), and `campaign status` of an unknown id (1).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/campaign_send.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

struct CampaignSendRefusals : ::testing::Test {
  SmtpSink sink;
  TempDir keys;
  std::unique_ptr<SmtpDaemon> daemon = campaign_daemon(sink.port(), keys);
};

TEST_F(CampaignSendRefusals, DaemonDownExitsThreeAndTheCampaignResumes) {
  CampaignFiles files("down-1", 20, false);
  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string()});  // not started
  EXPECT_EQ(sent.exit_code, 3) << sent.out << sent.err;
  EXPECT_THAT(sent.err,
              HasSubstr("cannot connect to the daemon at 127.0.0.1:" + std::to_string(daemon->relay_port())));
  EXPECT_THAT(sent.err, HasSubstr("--resume"));
  auto status = daemon->relayctl({"campaign", "status", "down-1", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(nlohmann::json::parse(status.out)["pending"], 20);

  ASSERT_TRUE(daemon->start()) << daemon->log();
  auto resumed = daemon->relayctl({"campaign", "send", files.campaign.string(), "--resume"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  auto json = nlohmann::json::parse(daemon->relayctl({"campaign", "status", "down-1", "--json"}).out);
  EXPECT_EQ(json["injected"], 20);
  EXPECT_EQ(json["state"], "done");
}

TEST_F(CampaignSendRefusals, ReusedIdWithoutResumeIsRefused) {
  ASSERT_TRUE(daemon->start()) << daemon->log();
  CampaignFiles files("reuse-1", 5, false);
  ASSERT_EQ(daemon->relayctl({"campaign", "send", files.campaign.string()}).exit_code, 0);
  auto again = daemon->relayctl({"campaign", "send", files.campaign.string()});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.err, HasSubstr("campaign 'reuse-1' was already sent"));
  EXPECT_THAT(again.err, HasSubstr("--resume"));
  EXPECT_THAT(again.err, HasSubstr("new id"));
  // Resuming a finished campaign sends nothing more.
  auto resumed = daemon->relayctl({"campaign", "send", files.campaign.string(), "--resume"});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_THAT(resumed.out, HasSubstr("0 injected"));
}

TEST_F(CampaignSendRefusals, ResumeWithAChangedCsvIsRefused) {
  CampaignFiles files("changed-1", 30, false);
  ASSERT_EQ(daemon->relayctl({"campaign", "send", files.campaign.string()}).exit_code, 3);  // daemon down
  files.rewrite_csv(30, 7);  // row 8 of the file (recipient 7) now names someone else
  auto resumed = daemon->relayctl({"campaign", "send", files.campaign.string(), "--resume"});
  EXPECT_EQ(resumed.exit_code, 2);
  EXPECT_THAT(resumed.err,
              HasSubstr("list.csv:9: the recipients CSV changed since campaign 'changed-1' began"));
  EXPECT_THAT(resumed.err, HasSubstr("r7@dest.test"));
  EXPECT_THAT(resumed.err, HasSubstr("changed7@dest.test"));

  files.rewrite_csv(29, 1000);  // the last row taken away
  resumed = daemon->relayctl({"campaign", "send", files.campaign.string(), "--resume"});
  EXPECT_EQ(resumed.exit_code, 2);
  EXPECT_THAT(resumed.err, HasSubstr("list.csv:31: the recipients CSV changed"));
  EXPECT_THAT(resumed.err, HasSubstr("was r29@dest.test, now not there"));
}

TEST_F(CampaignSendRefusals, UntrustedHostStopsWithoutRefusingAnyone) {
  ASSERT_TRUE(daemon->edit_config("[server]\n", "[server]\ntrusted_networks = [\"192.0.2.0/24\"]\n"));
  ASSERT_TRUE(daemon->start()) << daemon->log();
  CampaignFiles files("untrusted-1", 10, false);
  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string()});
  EXPECT_EQ(sent.exit_code, 3) << sent.out << sent.err;
  EXPECT_THAT(sent.err, HasSubstr("Relay access denied"));
  EXPECT_THAT(sent.err, HasSubstr("trusted_networks"));
  auto json = nlohmann::json::parse(daemon->relayctl({"campaign", "status", "untrusted-1", "--json"}).out);
  EXPECT_EQ(json["refused"], 0);
  EXPECT_EQ(json["pending"], 10);
}

TEST_F(CampaignSendRefusals, ConnectionLimitMeansFewerConnections) {
  ASSERT_TRUE(daemon->edit_config("[server.limits]\n", "[server.limits]\nmax_connections_per_ip = 2\n"));
  ASSERT_TRUE(daemon->start()) << daemon->log();
  CampaignFiles files("limited-1", 200, false);
  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string(), "--connections", "6"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  auto json = nlohmann::json::parse(daemon->relayctl({"campaign", "status", "limited-1", "--json"}).out);
  EXPECT_EQ(json["injected"], 200);
  EXPECT_EQ(json["state"], "done");
  EXPECT_THAT(sent.err, HasSubstr("Too many connections"));
  EXPECT_THAT(sent.err, HasSubstr("going on with"));
}

TEST_F(CampaignSendRefusals, TemporaryRepliesAreRetried) {
  // The daemon ends each session with a 4xx after 20 commands: every few messages a transaction is
  // answered 4xx and must go again on a new connection.
  ASSERT_TRUE(daemon->edit_config("[server.limits]\n", "[server.limits]\nmax_commands = 20\n"));
  ASSERT_TRUE(daemon->start()) << daemon->log();
  CampaignFiles files("retry-1", 60, false);
  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string(), "--connections", "2"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  EXPECT_THAT(sent.err, HasSubstr("retrying"));
  auto json = nlohmann::json::parse(daemon->relayctl({"campaign", "status", "retry-1", "--json"}).out);
  EXPECT_EQ(json["injected"], 60);
  EXPECT_EQ(json["refused"], 0);
  ASSERT_TRUE(daemon->wait_for_empty_queue(60s)) << daemon->log();
  auto received = received_by_recipient(sink);
  EXPECT_EQ(received.size(), 60u);
  for (const auto& [address, n] : received)
    EXPECT_EQ(n, 1) << address;
}

TEST_F(CampaignSendRefusals, DryRunSendsAndRecordsNothing) {
  ASSERT_TRUE(daemon->start()) << daemon->log();
  CampaignFiles files("dry-1", 40, true);
  auto dry = daemon->relayctl({"campaign", "send", files.campaign.string(), "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("recipients: 44 rows, 41 to send, 3 skipped"));
  EXPECT_THAT(dry.out, HasSubstr("nothing was sent or recorded"));
  EXPECT_THAT(dry.err, HasSubstr("skipped: missing field"));
  auto status = daemon->relayctl({"campaign", "status", "dry-1"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_THAT(status.err, HasSubstr("no campaign 'dry-1'"));
  EXPECT_THAT(daemon->relayctl({"campaign", "list"}).out, HasSubstr("no campaigns have been sent"));
  EXPECT_TRUE(sink.messages().empty());
}

TEST(CampaignSendHelp, SendListAndStatusAreDescribed) {
  auto send = run({relayctl_binary(), "campaign", "send", "--help"});
  EXPECT_EQ(send.exit_code, 0);
  for (const char* text : {"--dry-run", "--resume", "--connections", "--give-up-after", "[campaigns] inject",
                           "inject_user", "one per connection", "Exit 0 when every recipient"})
    EXPECT_THAT(send.out, HasSubstr(text));
  auto status = run({relayctl_binary(), "campaign", "status", "--help"});
  EXPECT_THAT(status.out, HasSubstr("--json"));
  EXPECT_THAT(status.out, HasSubstr("injected = delivered + bounced + deferred + queued"));
  EXPECT_THAT(run({relayctl_binary(), "campaign", "list", "--help"}).out, HasSubstr("--json"));
}

}  // namespace
