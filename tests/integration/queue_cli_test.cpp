// `relayctl queue` against a running daemon: list, show, hold, release, delete, flush, stats, in text
// and --json, and its exit codes (1 no such message, 2 bad id, 3 no daemon).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using nlohmann::json;
using ::testing::HasSubstr;

std::string send_one(unsigned short port, const std::string& rcpt) {
  SmtpClient client;
  if (!client.connect(port)) return "";
  client.reply();
  client.command("EHLO c.test");
  client.command("MAIL FROM:<a@example.com>");
  client.command("RCPT TO:<" + rcpt + ">");
  client.command("DATA");
  auto reply = client.command("Subject: queue test\r\n\r\nhi\r\n.");
  auto at = reply.find("queued as ");
  return at == std::string::npos ? "" : reply.substr(at + 10, 16);
}

TEST(QueueCli, ListShowHoldReleaseDeleteFlushStats) {
  SmtpDaemon daemon;
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto first = send_one(daemon.relay_port(), "one@far.test");
  auto second = send_one(daemon.relay_port(), "two@far.test");
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());

  auto list = daemon.relayctl({"queue", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr(first));
  // Delivery may already have tried far.test (it has no route here, so it was deferred): any attempt count.
  EXPECT_THAT(list.out, HasSubstr("one@far.test pending attempts="));
  EXPECT_THAT(list.out, HasSubstr("2 message(s) queued"));

  auto shown = daemon.relayctl({"queue", "show", first});
  EXPECT_THAT(shown.out, HasSubstr("Subject: queue test"));

  EXPECT_EQ(daemon.relayctl({"queue", "hold", first}).exit_code, 0);
  auto held = json::parse(daemon.relayctl({"queue", "show", first, "--json"}).out);
  EXPECT_TRUE(held["held"].get<bool>());
  auto stats = json::parse(daemon.relayctl({"queue", "stats", "--json"}).out);
  EXPECT_EQ(stats["messages"], 2);
  EXPECT_EQ(stats["held"], 1);
  EXPECT_EQ(stats["recipients_pending"], 2);
  EXPECT_EQ(daemon.relayctl({"queue", "release", first}).exit_code, 0);
  EXPECT_FALSE(json::parse(daemon.relayctl({"queue", "show", first, "--json"}).out)["held"].get<bool>());

  auto flush = daemon.relayctl({"queue", "flush", "--json"});
  EXPECT_EQ(flush.exit_code, 0);
  EXPECT_TRUE(json::parse(flush.out)["ok"].get<bool>());

  EXPECT_EQ(daemon.relayctl({"queue", "delete", first}).exit_code, 0);
  auto gone = daemon.relayctl({"queue", "show", first});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.err, HasSubstr("no message " + first));
  auto array = json::parse(daemon.relayctl({"queue", "list", "--json"}).out);
  ASSERT_EQ(array.size(), 1u);
  EXPECT_EQ(array[0]["id"], second);

  // Held and deleted states survive a restart.
  EXPECT_EQ(daemon.relayctl({"queue", "hold", second}).exit_code, 0);
  daemon.stop();
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto after = json::parse(daemon.relayctl({"queue", "list", "--json"}).out);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_TRUE(after[0]["held"].get<bool>());
}

TEST(QueueCli, BadIdAndNoDaemon) {
  SmtpDaemon daemon;
  auto bad = daemon.relayctl({"queue", "show", "not-an-id"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("16 hex digits"));
  auto down = daemon.relayctl({"queue", "list"});
  EXPECT_EQ(down.exit_code, 3);
  EXPECT_THAT(down.err, HasSubstr("is `relayctl serve` running"));
}

}  // namespace
