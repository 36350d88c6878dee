// `relayctl campaign send` outside the campaign's send window: it records the campaign, says it is waiting
// and when the window opens, sends nothing; SIGINT then stops it (exit 3) with every recipient pending,
// and the state resumes. The window is put two hours after the current UTC hour, so it is closed now.
#include <csignal>
#include <ctime>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/campaign_send.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string hour_text(int hour) {
  char text[8];
  std::snprintf(text, sizeof text, "%02d:00", hour % 24);
  return text;
}

TEST(CampaignSendWindow, WaitsOutsideTheWindowSayingWhenItOpens) {
  SmtpSink sink;
  TempDir keys;
  auto daemon = campaign_daemon(sink.port(), keys);
  ASSERT_TRUE(daemon->start()) << daemon->log();
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  auto start = hour_text(utc.tm_hour + 2), end = hour_text(utc.tm_hour + 3);
  CampaignFiles files("window-1", 50, false,
                      "[window]\nstart = \"" + start + "\"\nend = \"" + end + "\"\ntime_zone = \"UTC\"\n");
  auto err_file = files.dir.path() / "send.err";
  Process sender(
      {relayctl_binary(), "campaign", "send", files.campaign.string(), "--config", daemon->config_path()},
      (files.dir.path() / "send.out").string(), err_file.string());
  auto err = [&] {
    std::ifstream in(err_file);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  ASSERT_TRUE(eventually([&] { return err().find("outside the send window") != std::string::npos; }, 30s))
      << err();
  EXPECT_THAT(err(),
              HasSubstr("waiting: outside the send window " + start + "-" + end + " UTC; it opens at "));
  EXPECT_THAT(err(), HasSubstr(" " + start + " UTC"));

  auto code = sender.stop(SIGINT);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 3) << err();
  EXPECT_THAT(err(), HasSubstr("--resume"));
  auto json = nlohmann::json::parse(daemon->relayctl({"campaign", "status", "window-1", "--json"}).out);
  EXPECT_EQ(json["pending"], 50);
  EXPECT_EQ(json["injected"], 0);
  EXPECT_TRUE(sink.messages().empty());
}

}  // namespace
