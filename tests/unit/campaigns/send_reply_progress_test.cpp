// What `campaign send` reads in the daemon's DATA reply (the queue id, bounded) and the progress line it
// shows.
#include <sstream>

#include <gtest/gtest.h>

#include "campaigns/send/daemon_reply.hpp"
#include "campaigns/send/progress.hpp"

namespace {

using namespace campaigns::send;

struct IdCase {
  const char* label;
  std::string text;
  std::string id;
};

class QueueId : public ::testing::TestWithParam<IdCase> {};

TEST_P(QueueId, FromReply) {
  EXPECT_EQ(queue_id_from_reply(GetParam().text), GetParam().id);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, QueueId,
    ::testing::Values(IdCase{"ours", "250 2.0.0 Ok: queued as 01J9ZK3TQ4", "01J9ZK3TQ4"},
                      IdCase{"stops_at_space", "250 2.0.0 Ok: queued as abc-1.2_x more", "abc-1.2_x"},
                      IdCase{"none", "250 2.0.0 Ok", ""}, IdCase{"empty_id", "250 Ok: queued as ", ""},
                      IdCase{"odd_bytes", "250 queued as \x01\xff", ""},
                      IdCase{"too_long", "250 queued as " + std::string(kMaxQueueId + 1, 'a'), ""},
                      IdCase{"longest", "250 queued as " + std::string(kMaxQueueId, 'a'),
                             std::string(kMaxQueueId, 'a')}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Progress, LineHasCountsRateAndEta) {
  std::ostringstream out;
  auto start = Progress::Clock::time_point{} + std::chrono::hours(1);
  Progress progress(out, false, 1000, start);
  ProgressCounts counts{400, 50, 50};
  EXPECT_EQ(progress.line(counts, start + std::chrono::seconds(10)),
            "400/1000 sent, 50 refused, 50 skipped, 45 msg/s, ETA 0:11");
}

TEST(Progress, LogLinesEveryTenSecondsWhenNotATerminal) {
  std::ostringstream out;
  auto start = Progress::Clock::time_point{} + std::chrono::hours(1);
  Progress progress(out, false, 10, start);
  progress.update({1, 0, 0}, start + std::chrono::seconds(5));
  EXPECT_EQ(out.str(), "");
  progress.update({2, 0, 0}, start + std::chrono::seconds(10));
  EXPECT_EQ(out.str(), "relayctl: campaign send: 2/10 sent, 0 refused, 0 skipped, 0 msg/s, ETA 0:40\n");
  progress.waiting("the daemon answered 451 4.3.0 busy; retrying");
  progress.waiting("the daemon answered 451 4.3.0 busy; retrying");  // said once
  progress.waiting("");
  EXPECT_NE(out.str().find("waiting: the daemon answered 451"), std::string::npos);
  EXPECT_NE(out.str().find("sending again"), std::string::npos);
}

TEST(Progress, BarOnATerminalIsRedrawnInPlace) {
  std::ostringstream out;
  auto start = Progress::Clock::time_point{} + std::chrono::hours(1);
  Progress progress(out, true, 10, start);
  progress.update({5, 0, 0}, start + std::chrono::seconds(1));
  EXPECT_EQ(out.str().rfind(
                "\r\033[K[############............] 5/10 sent, 0 refused, 0 skipped, 5 msg/s, ETA 0:01", 0),
            0u)
      << out.str();
  progress.update({12, 0, 0}, start + std::chrono::seconds(2));  // more than the total: a full bar, no crash
  EXPECT_NE(out.str().find("[########################] 12/10"), std::string::npos);
  progress.finish({12, 0, 0}, start + std::chrono::seconds(2));
  EXPECT_EQ(out.str().back(), '\n');
}

}  // namespace
