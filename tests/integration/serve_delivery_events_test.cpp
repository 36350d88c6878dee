// Delivery events through `relayctl serve`: campaign mail (a VERP return path) to a loopback sink that
// accepts some recipients and rejects others with 550 5.1.1 becomes rows of delivery_events with the
// accounting log's results, the campaign and recipient ids and a classification for the bounces; and a
// daemon killed with SIGKILL while the recorder could not commit (the test holds the database's write
// lock) loses nothing: at the next start the accounting log is replayed from the checkpoint, and every
// line has exactly one event.
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaigns/store/database.hpp"
#include "tests/support/behaviour_sink.hpp"
#include "tests/support/campaign_seed.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

// One message from sender to these recipients on the relay listener; true when it was accepted.
bool relay_in(const SmtpDaemon& daemon, const std::string& sender,
              const std::vector<std::string>& recipients) {
  SmtpClient client;
  if (!client.connect(daemon.relay_port())) return false;
  client.reply();
  client.command("EHLO client.test");
  if (reply_code(client.command("MAIL FROM:<" + sender + ">")) != 250) return false;
  for (const auto& r : recipients)
    if (reply_code(client.command("RCPT TO:<" + r + ">")) != 250) return false;
  if (reply_code(client.command("DATA")) != 354) return false;
  bool ok = reply_code(client.command("From: news@example.com\r\nSubject: events\r\n\r\nHello.\r\n.")) == 250;
  client.command("QUIT");
  return ok;
}

std::unique_ptr<campaigns::Database> open_db(const SmtpDaemon& daemon) {
  auto opened = campaigns::Database::open(daemon.dir().path() / "relayctl.db");
  EXPECT_TRUE(opened.database) << opened.error;
  return std::move(opened.database);
}

struct Row {
  std::string queue_id, recipient, result, campaign_id, recipient_id, classification;
  std::int64_t attempt = 0;
};

std::vector<Row> events(const SmtpDaemon& daemon) {
  auto db = open_db(daemon);
  campaigns::Statement s(
      *db,
      "SELECT queue_id, recipient, result, ifnull(campaign_id, '-'), ifnull(recipient_id, '-'), "
      "class || '/' || severity || '/' || rule, attempt FROM delivery_events WHERE kind = 'attempt'");
  std::vector<Row> rows;
  while (s.step())
    rows.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.integer(6)});
  return rows;
}

TEST(ServeDeliveryEvents, AttemptsBecomeEventsWithCampaignIdsAndClasses) {
  BehaviourSink sink;
  SmtpDaemon daemon(delivering_to(sink.port()));
  CampaignSeed seed(daemon);
  unsigned short metrics = enable_metrics_listener(daemon);
  seed.add_campaign("spring", "", "bounces@bounce.test", "unsubscribe@unsub.test");
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_TRUE(relay_in(daemon, seed.address("bounces@bounce.test", "spring", "1"), {"accept1@dest.test"}));
  ASSERT_TRUE(relay_in(daemon, seed.address("bounces@bounce.test", "spring", "2"), {"reject2@dest.test"}));
  ASSERT_TRUE(relay_in(daemon, "plain@example.com", {"accept3@dest.test"}));
  ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();
  auto lines = daemon.accounting();
  ASSERT_TRUE(eventually([&] { return events(daemon).size() == lines.size(); }, 10s)) << daemon.log();

  std::map<std::string, Row> by_recipient;
  for (const auto& row : events(daemon))
    by_recipient[row.recipient] = row;
  EXPECT_EQ(by_recipient["accept1@dest.test"].result, "delivered");
  EXPECT_EQ(by_recipient["accept1@dest.test"].campaign_id, "spring");
  EXPECT_EQ(by_recipient["accept1@dest.test"].recipient_id, "1");
  EXPECT_EQ(by_recipient["accept1@dest.test"].classification, "//");
  EXPECT_EQ(by_recipient["reject2@dest.test"].result, "bounced");
  EXPECT_EQ(by_recipient["reject2@dest.test"].recipient_id, "2");
  EXPECT_EQ(by_recipient["reject2@dest.test"].classification, "invalid-recipient/hard/invalid-recipient");  // the shipped rules
  EXPECT_EQ(by_recipient["reject2@dest.test"].attempt, 1);
  EXPECT_EQ(by_recipient["accept3@dest.test"].result, "delivered");
  EXPECT_EQ(by_recipient["accept3@dest.test"].campaign_id, "-");
  for (const auto& line : lines)
    EXPECT_EQ(by_recipient[line["recipient"].get<std::string>()].queue_id,
              line["queue_id"].get<std::string>());
  EXPECT_THAT(get_metrics(metrics),
              HasSubstr("relayctl_delivery_events_recorded_total " + std::to_string(lines.size()) + "\n"));
  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
}

TEST(ServeDeliveryEvents, AKilledDaemonsAttemptsAreRecordedAtTheNextStartOnce) {
  BehaviourSink sink;
  SmtpDaemon daemon(delivering_to(sink.port()));
  CampaignSeed seed(daemon);
  seed.add_campaign("spring", "", "bounces@bounce.test", "unsubscribe@unsub.test");
  ASSERT_TRUE(daemon.start()) << daemon.log();
  // A first message recorded normally: the checkpoint is set.
  ASSERT_TRUE(relay_in(daemon, "plain@example.com", {"accept0@dest.test"}));
  ASSERT_TRUE(eventually([&] { return events(daemon).size() == 1; }, 20s)) << daemon.log();
  {
    // Nothing can be committed while the test holds the write lock: the attempts are only in the log.
    auto db = open_db(daemon);
    campaigns::Transaction lock(*db);
    for (int i = 1; i <= 10; ++i) {
      std::string n = std::to_string(i);
      ASSERT_TRUE(relay_in(daemon, seed.address("bounces@bounce.test", "spring", n),
                           {"accept" + n + "@dest.test", "reject" + n + "@dest.test"}));
    }
    ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();
    ASSERT_TRUE(daemon.kill9());
  }  // rolled back: the lock is released
  auto lines = daemon.accounting();
  ASSERT_GE(lines.size(), 21u);  // 21 recipients, and the DSNs of the 10 bounces to plain@... none: VERP
  ASSERT_LT(events(daemon).size(), lines.size());

  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_TRUE(eventually([&] { return events(daemon).size() >= lines.size(); }, 20s)) << daemon.log();
  auto rows = events(daemon);
  EXPECT_EQ(rows.size(), lines.size());  // no duplicates
  std::set<std::string> recorded;
  for (const auto& row : rows)
    recorded.insert(row.queue_id + " " + row.recipient + " " + std::to_string(row.attempt) + " " +
                    row.result);
  for (const auto& line : lines)
    EXPECT_TRUE(recorded.contains(
        line["queue_id"].get<std::string>() + " " + line["recipient"].get<std::string>() + " " +
        std::to_string(line["attempt"].get<int>()) + " " + line["result"].get<std::string>()))
        << line.dump();
  std::size_t campaign_rows = 0;
  for (const auto& row : rows)
    campaign_rows += row.campaign_id == "spring";
  EXPECT_EQ(campaign_rows, 20u);
  EXPECT_THAT(daemon.log(), HasSubstr("events.replayed"));
  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
}

}  // namespace
