// `relayctl campaign send` killed (SIGKILL) mid-send, then `--resume`d: the resume finishes the campaign,
// every recipient is delivered at least once, and no more are delivered twice than the documented window
// (one message in flight per injection connection, 4 here).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/campaign_send.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;

TEST(CampaignSendSenderKilled, ResumeFinishesWithinTheDuplicateWindow) {
  constexpr std::size_t kRecipients = 3000;
  constexpr int kConnections = 4;
  SmtpSink sink;
  TempDir keys;
  auto daemon = campaign_daemon(sink.port(), keys);
  ASSERT_TRUE(daemon->start()) << daemon->log();
  // 300 a second: about 10 s for the list, so the kill lands mid-send.
  CampaignFiles files("killed-1", kRecipients, false, "[rate]\nper_second = 300\n");

  {
    Process sender({relayctl_binary(), "campaign", "send", files.campaign.string(), "--connections",
                    std::to_string(kConnections), "--config", daemon->config_path()},
                   (files.dir.path() / "send1.out").string(), (files.dir.path() / "send1.err").string());
    ASSERT_TRUE(eventually([&] { return campaign_injected(*daemon, "killed-1") >= 500; }, 60s));
    sender.stop(9);
  }
  auto before = campaign_injected(*daemon, "killed-1");
  EXPECT_LT(before, static_cast<long>(kRecipients)) << "the kill came too late to test anything";

  auto again = daemon->relayctl({"campaign", "send", files.campaign.string()});
  EXPECT_EQ(again.exit_code, 2) << "a second send without --resume is refused";

  auto resumed = daemon->relayctl({"campaign", "send", files.campaign.string(), "--resume", "--connections",
                                   std::to_string(kConnections)});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_THAT(resumed.out, ::testing::HasSubstr("resuming"));
  EXPECT_EQ(campaign_injected(*daemon, "killed-1"), static_cast<long>(kRecipients));

  ASSERT_TRUE(daemon->wait_for_empty_queue(120s)) << daemon->log();
  auto [missing, duplicates] = arrivals(sink, kRecipients);
  EXPECT_EQ(missing, 0);
  EXPECT_LE(duplicates, kConnections);
  std::cerr << "killed after " << before << " injected; " << duplicates << " delivered twice\n";
}

}  // namespace
