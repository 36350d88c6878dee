// The daemon killed (SIGKILL) while `relayctl campaign send` feeds it, then started again: the sender
// reconnects and finishes (or, had the daemon stayed away past --give-up-after, exits 3 and `--resume`
// finishes), every recipient is delivered at least once, and no more twice than the documented window (one
// message in flight per injection connection). Until the restart the daemon's route points at a closed
// port, so it delivers nothing before its crash and any recipient delivered twice was injected twice.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/campaign_send.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;

TEST(CampaignSendDaemonKilled, SenderReconnectsAndFinishesWithinTheDuplicateWindow) {
  constexpr std::size_t kRecipients = 3000;
  constexpr int kConnections = 4;
  SmtpSink sink;
  TempDir keys;
  auto closed_port = free_tcp_port();
  auto daemon = campaign_daemon(closed_port, keys, "retry_initial = \"1s\"\nretry_max = \"2s\"\n");
  ASSERT_TRUE(daemon->start()) << daemon->log();
  CampaignFiles files("crash-1", kRecipients, false, "[rate]\nper_second = 300\n");

  Process sender({relayctl_binary(), "campaign", "send", files.campaign.string(), "--connections",
                  std::to_string(kConnections), "--give-up-after", "60", "--config", daemon->config_path()},
                 (files.dir.path() / "send.out").string(), (files.dir.path() / "send.err").string());
  ASSERT_TRUE(eventually([&] { return campaign_injected(*daemon, "crash-1") >= 500; }, 60s));
  daemon->kill9();
  auto at_crash = campaign_injected(*daemon, "crash-1");
  ASSERT_TRUE(daemon->edit_config("127.0.0.1:" + std::to_string(closed_port) + "\"",
                                  "127.0.0.1:" + std::to_string(sink.port()) + "\""));
  ASSERT_TRUE(daemon->start()) << daemon->log();

  ASSERT_TRUE(eventually([&] { return !sender.running(); }, 120s));
  auto code = sender.stop(15);
  ASSERT_TRUE(code);
  if (*code == 3) {  // gave up waiting: the resume finishes it
    auto resumed = daemon->relayctl({"campaign", "send", files.campaign.string(), "--resume"});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  } else {
    std::ifstream err(files.dir.path() / "send.err");
    EXPECT_EQ(*code, 0) << std::string((std::istreambuf_iterator<char>(err)), {});
  }
  EXPECT_EQ(campaign_injected(*daemon, "crash-1"), static_cast<long>(kRecipients));

  ASSERT_TRUE(daemon->wait_for_empty_queue(120s)) << daemon->log();
  auto [missing, duplicates] = arrivals(sink, kRecipients);
  EXPECT_EQ(missing, 0);
  EXPECT_LE(duplicates, kConnections);
  std::cerr << "daemon killed after " << at_crash << " injected; " << duplicates << " delivered twice\n";
}

}  // namespace
