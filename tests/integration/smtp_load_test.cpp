// smtp-source (Postfix's load generator) drives the relay listener with 10 parallel sessions and
// pipelining; every message must be accepted and queued.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;

TEST(SmtpLoad, SmtpSourceMessagesAreAllQueued) {
  SmtpDaemon daemon;
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto result = run({"smtp-source", "-s", "10", "-m", "500", "-l", "4096", "-f", "a@example.com", "-t",
                     "b@far.test", "127.0.0.1:" + std::to_string(daemon.relay_port())});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto stats = nlohmann::json::parse(daemon.relayctl({"queue", "stats", "--json"}).out);
  EXPECT_EQ(stats["messages"], 500);
  EXPECT_EQ(stats["recipients_pending"], 500);
}

}  // namespace
