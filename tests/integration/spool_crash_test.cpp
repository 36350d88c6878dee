// Crash safety: many concurrent sessions inject mail, the daemon is killed with SIGKILL mid-stream and
// restarted. Every message that got a 250 must be in the queue exactly once, with its own content; the
// only others allowed are the at most one-per-session messages whose final dot was sent but whose 250
// was lost in the kill (SMTP cannot tell those apart; RFC 1047). Nothing half-written may appear.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mta/spool/record.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;

constexpr int kSessions = 12;

struct Injected {
  std::mutex mutex;
  std::map<std::string, std::string> acked;  // queue id -> token
  int unanswered = 0;                        // messages sent to the final dot without a 250
};

void inject(unsigned short port, int session, Injected& out, std::atomic<bool>& stop) {
  std::string filler;
  for (int i = 0; i < 30; ++i)
    filler += std::string(66, 'a' + i % 26) + "\r\n";
  SmtpClient client;
  if (!client.connect(port) || reply_code(client.reply()) != 220) return;
  if (reply_code(client.command("EHLO crash.test")) != 250) return;
  for (int n = 0; !stop; ++n) {
    std::string token = "s" + std::to_string(session) + "-m" + std::to_string(n);
    if (!client.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<" + token + "@far.test>\r\nDATA\r\n")) return;
    if (reply_code(client.reply()) != 250 || reply_code(client.reply()) != 250 ||
        reply_code(client.reply()) != 354)
      return;
    std::string body = "Subject: " + token + "\r\nX-Token: " + token + "\r\n\r\n" + filler + ".\r\n";
    if (!client.send(body)) return;
    std::string reply = client.reply();
    std::lock_guard lock(out.mutex);
    auto at = reply.find("queued as ");
    if (reply_code(reply) != 250 || at == std::string::npos) {
      ++out.unanswered;
      return;
    }
    out.acked[reply.substr(at + 10, 16)] = token;
  }
}

TEST(SpoolCrash, AcknowledgedMessagesSurviveKill9ExactlyOnce) {
  SmtpDaemon daemon;
  ASSERT_TRUE(daemon.start()) << daemon.log();
  Injected injected;
  std::atomic<bool> stop{false};
  std::vector<std::thread> sessions;
  for (int s = 0; s < kSessions; ++s)
    sessions.emplace_back([&, s] { inject(daemon.relay_port(), s, injected, stop); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  daemon.kill9();
  stop = true;
  for (auto& t : sessions)
    t.join();
  ASSERT_GT(injected.acked.size(), 100u) << "too few messages before the kill to test anything";

  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto list = daemon.relayctl({"queue", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto messages = nlohmann::json::parse(list.out);
  std::multiset<std::string> ids;
  std::map<std::string, std::string> recipient_of;
  for (const auto& m : messages) {
    ids.insert(m["id"].get<std::string>());
    recipient_of[m["id"]] = m["recipients"][0]["address"];
  }
  for (const auto& [id, token] : injected.acked) {
    EXPECT_EQ(ids.count(id), 1u) << "acknowledged message " << id << " (" << token << ") lost or duplicated";
    EXPECT_EQ(recipient_of[id], token + "@far.test");
  }
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << "a message appears twice";
  EXPECT_LE(ids.size(), injected.acked.size() + kSessions) << "messages nobody sent to the end";

  auto stats = daemon.relayctl({"queue", "stats", "--json"});
  EXPECT_EQ(nlohmann::json::parse(stats.out)["messages"].get<std::size_t>(), ids.size());

  // Content intact: a few acknowledged messages, read back whole.
  int checked = 0;
  for (const auto& [id, token] : injected.acked) {
    if (checked++ % 97 != 0) continue;
    auto show = daemon.relayctl({"queue", "show", id});
    EXPECT_THAT(show.out, ::testing::HasSubstr("X-Token: " + token + "\r\n")) << id;
  }
}

// A downgrade: the spool holds a record of a type this relayctl does not know (a newer version wrote it).
// serve refuses to start, says what to do, and changes nothing; once the newer record is gone (the newer
// version would have read it), the queued message is all there.
TEST(SpoolCrash, ASpoolFromANewerVersionIsRefusedNotTruncated) {
  SmtpDaemon daemon;
  ASSERT_TRUE(daemon.start()) << daemon.log();
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.relay_port()));
  ASSERT_EQ(reply_code(client.reply()), 220);
  ASSERT_EQ(reply_code(client.command("EHLO downgrade.test")), 250);
  ASSERT_EQ(reply_code(client.command("MAIL FROM:<a@example.com>")), 250);
  ASSERT_EQ(reply_code(client.command("RCPT TO:<kept@far.test>")), 250);
  ASSERT_EQ(reply_code(client.command("DATA")), 354);
  ASSERT_TRUE(client.send("Subject: kept\r\n\r\nstill here\r\n.\r\n"));
  ASSERT_EQ(reply_code(client.reply()), 250);
  ASSERT_EQ(daemon.stop(), 0);

  std::filesystem::path segment;
  for (const auto& item : std::filesystem::directory_iterator(daemon.dir().path() / "spool" / "queue"))
    if (std::filesystem::file_size(item.path()) > 0 && segment < item.path()) segment = item.path();
  ASSERT_FALSE(segment.empty());
  auto size = std::filesystem::file_size(segment);
  std::ofstream(segment, std::ios::binary | std::ios::app)
      << mta::spool::encode_record(static_cast<mta::spool::RecordType>(200), "from a newer relayctl");
  auto grown = std::filesystem::file_size(segment);

  EXPECT_FALSE(daemon.start());
  EXPECT_EQ(daemon.stop(), 2);
  EXPECT_THAT(daemon.log(), ::testing::HasSubstr("written by a newer relayctl"));
  EXPECT_THAT(daemon.log(), ::testing::HasSubstr("nothing in the spool was changed"));
  EXPECT_EQ(std::filesystem::file_size(segment), grown);

  std::filesystem::resize_file(segment, size);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto ids = daemon.queued_ids();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_THAT(daemon.relayctl({"queue", "show", ids.front()}).out, ::testing::HasSubstr("Subject: kept"));
}

}  // namespace
