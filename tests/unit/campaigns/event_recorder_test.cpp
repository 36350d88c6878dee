// EventRecorder and BounceOutcomes: attempts become delivery_events rows in batches (one transaction and
// the checkpoint each), idempotently; a valid VERP token gives campaign and recipient ids, a forged one or
// no secret NULL; deferred/bounced/expired are classified (expired with its "delivery time expired"
// text); the replay at start records what the queue never saw; a full queue drops (counted) and the
// recorder recovers the dropped attempts from the log; suppression by the policy, and the async path
// (a complaint, a bounce with its bounce_messages row).
#include "campaigns/bounces/events/event_recorder.hpp"

#include <gtest/gtest.h>

#include "campaigns/store/database.hpp"
#include "campaigns/suppression/sqlite_suppression_store.hpp"
#include "campaigns/tokens/verp.hpp"
#include "tests/support/temp_dir.hpp"

namespace campaigns {
namespace {

using mta::delivery::AccountingLog;
using mta::delivery::Attempt;
using mta::delivery::LogPosition;

constexpr std::string_view kSecretBytes = "0123456789abcdef0123456789abcdef-test-secret";

std::string verp(std::string_view campaign, std::string_view recipient) {
  auto secret = TokenSecret::from_bytes(kSecretBytes);
  return verp_address(secret, *BounceAddress::parse("bounces@bounce.example.com"),
                      *CampaignId::parse(campaign), *RecipientId::parse(recipient));
}

Attempt attempt(std::string queue_id, std::string recipient, std::string result, std::string reply,
                std::string sender = "news@example.com", unsigned n = 1) {
  Attempt a;
  a.time = std::chrono::system_clock::now();
  a.queue_id = std::move(queue_id);
  a.sender = std::move(sender);
  a.recipient = std::move(recipient);
  a.destination = "example.org";
  a.result = std::move(result);
  a.reply = std::move(reply);
  a.attempt = n;
  return a;
}

// Class by the reply's text, severity by its first digit; the text it saw is kept.
struct FakeClassifier {
  std::shared_ptr<std::vector<std::string>> seen = std::make_shared<std::vector<std::string>>();
  Classification operator()(std::string_view reply) const {
    seen->emplace_back(reply);
    BounceClass c = reply.find("no such user") != std::string_view::npos ? BounceClass::invalid_recipient
                    : reply.find("full") != std::string_view::npos       ? BounceClass::mailbox_full
                    : reply.find("spam") != std::string_view::npos       ? BounceClass::spam_block
                                                                         : BounceClass::other;
    bool hard = reply.find("expired") == std::string_view::npos && !reply.empty() && reply.front() == '5';
    return {c, hard ? Severity::hard : Severity::soft, "fake"};
  }
};

struct Fixture {
  relay::test::TempDir dir;
  std::filesystem::path db_path = dir.path() / "relayctl.db";
  std::filesystem::path log_path = dir.path() / "delivery.log";
  mta::server::Metrics metrics;
  FakeClassifier classifier;
  std::unique_ptr<EventRecorder> recorder;
  std::unique_ptr<AccountingLog> log = std::make_unique<AccountingLog>(log_path);

  void start(RecorderOptions options = {}, bool with_secret = true) {
    options.accounting_log = log_path;
    std::optional<TokenSecret> secret;
    if (with_secret) secret = TokenSecret::from_bytes(kSecretBytes);
    auto started = EventRecorder::start(db_path, std::move(secret), classifier, options, metrics);
    ASSERT_TRUE(started.recorder) << started.error;
    recorder = std::move(started.recorder);
  }
  // As the engine does: the log line, then the hook.
  void deliver(const Attempt& a, bool submit = true) {
    LogPosition p;
    ASSERT_FALSE(log->write(a, &p));
    if (submit) recorder->submit(a, p);
  }
  std::unique_ptr<Database> database() {
    auto opened = Database::open(db_path);
    EXPECT_TRUE(opened.database) << opened.error;
    return std::move(opened.database);
  }
  std::int64_t count(const std::string& where = "1") {
    auto db = database();
    Statement s(*db, ("SELECT count(*) FROM delivery_events WHERE " + where).c_str());
    s.step();
    return s.integer(0);
  }
  std::string column(const std::string& sql) {
    auto db = database();
    Statement s(*db, sql.c_str());
    return s.step() ? s.text(0) : "<none>";
  }
};

TEST(EventRecorder, RecordsAttemptsInBatchesWithTheirFields) {
  Fixture f;
  RecorderOptions options;
  options.batch_size = 10;
  options.batch_interval = std::chrono::milliseconds(5000);  // only full batches (and flush) commit
  f.start(options);
  f.recorder->flush();
  auto batches_before = f.metrics.event_batches.load();
  for (int i = 0; i < 25; ++i)
    f.deliver(attempt("Q" + std::to_string(i), "u" + std::to_string(i) + "@example.org", "delivered",
                      "250 2.0.0 ok"));
  f.recorder->flush();
  EXPECT_EQ(f.count(), 25);
  EXPECT_EQ(f.metrics.events_recorded.load(), 25u);
  EXPECT_GE(f.metrics.event_batches.load() - batches_before, 3u);  // at most 10 per transaction
  EXPECT_EQ(f.column("SELECT kind || ' ' || result || ' ' || recipient_domain || ' ' || attempt || ' [' || "
                     "class || severity || ']' FROM delivery_events WHERE queue_id = 'Q3'"),
            "attempt delivered example.org 1 []");
  // The checkpoint is the log's end: nothing to replay.
  auto db = f.database();
  auto checkpoint = BounceOutcomes(*db, {}).checkpoint(kAccountingCheckpoint);
  ASSERT_TRUE(checkpoint);
  EXPECT_EQ(checkpoint->offset, std::filesystem::file_size(f.log_path));
}

TEST(EventRecorder, ATokenGivesIdsAForgedOneOrNoSecretNull) {
  Fixture f;
  f.start();
  auto forged = verp("spring", "42");
  forged[forged.find('@') - 1] = forged[forged.find('@') - 1] == 'a' ? 'b' : 'a';
  f.deliver(attempt("Q1", "a@example.org", "delivered", "250 ok", verp("spring", "42")));
  f.deliver(attempt("Q2", "b@example.org", "delivered", "250 ok", forged));
  f.deliver(attempt("Q3", "c@example.org", "delivered", "250 ok", "plain@example.com"));
  f.recorder->flush();
  EXPECT_EQ(f.column("SELECT campaign_id || '/' || recipient_id FROM delivery_events WHERE queue_id = 'Q1'"),
            "spring/42");
  EXPECT_EQ(f.count("queue_id = 'Q2' AND campaign_id IS NULL AND recipient_id IS NULL"), 1);
  EXPECT_EQ(f.count("queue_id = 'Q3' AND campaign_id IS NULL"), 1);
  f.recorder->stop();

  Fixture g;
  g.start({}, false);
  g.deliver(attempt("Q1", "a@example.org", "delivered", "250 ok", verp("spring", "42")));
  g.recorder->flush();
  EXPECT_EQ(g.count("campaign_id IS NULL"), 1);
}

TEST(EventRecorder, FailuresAreClassifiedExpiredWithItsText) {
  Fixture f;
  f.start();
  f.deliver(attempt("Q1", "a@example.org", "deferred", "452 4.2.2 mailbox full"));
  f.deliver(attempt("Q2", "b@example.org", "expired", "452 4.2.2 mailbox full"));
  f.deliver(attempt("Q3", "c@example.org", "delivered", "250 ok"));
  f.recorder->flush();
  EXPECT_EQ(
      f.column("SELECT class || ' ' || severity || ' ' || rule FROM delivery_events WHERE queue_id='Q1'"),
      "mailbox-full soft fake");
  EXPECT_EQ(f.column("SELECT reply FROM delivery_events WHERE queue_id = 'Q2'"), "452 4.2.2 mailbox full");
  EXPECT_NE(std::find(f.classifier.seen->begin(), f.classifier.seen->end(),
                      "delivery time expired; last error: 452 4.2.2 mailbox full"),
            f.classifier.seen->end());
  EXPECT_EQ(f.count("queue_id = 'Q3' AND class = '' AND severity = ''"), 1);
}

TEST(EventRecorder, ReplayAtStartRecordsWhatTheQueueNeverSawOnceOnly) {
  Fixture f;
  f.start();
  f.deliver(attempt("Q1", "a@example.org", "delivered", "250 ok"));
  f.recorder->flush();
  f.recorder->stop();
  // Killed before the recorder saw these: only the log has them.
  f.recorder.reset();
  f.deliver(attempt("Q2", "b@example.org", "bounced", "550 5.1.1 no such user"), false);
  f.deliver(attempt("Q3", "c@example.org", "deferred", "451 try later"), false);
  f.start();
  // ...and one that is both in the log and queued.
  f.deliver(attempt("Q4", "d@example.org", "delivered", "250 ok"));
  f.recorder->flush();
  EXPECT_EQ(f.count(), 4);
  EXPECT_EQ(f.count("queue_id = 'Q2' AND class = 'invalid-recipient'"), 1);
  EXPECT_GE(f.metrics.events_replayed.load(), 2u);
  // Everything again: duplicates change nothing.
  f.recorder->stop();
  {
    auto db = f.database();
    Statement s(*db, "DELETE FROM event_checkpoint");
    s.step();
  }
  f.start();
  f.recorder->flush();
  EXPECT_EQ(f.count(), 4);
}

TEST(EventRecorder, AFullQueueDropsAndTheLogRecoversTheDropped) {
  Fixture f;
  RecorderOptions options;
  options.queue_capacity = 3;
  options.batch_size = 1000;
  options.batch_interval = std::chrono::milliseconds(200);
  f.start(options);
  f.recorder->flush();
  for (int i = 0; i < 50; ++i)
    f.deliver(attempt("Q" + std::to_string(i), "u" + std::to_string(i) + "@example.org", "delivered", "250"));
  EXPECT_GT(f.metrics.event_queue_overflows.load(), 0u);
  f.recorder->flush();
  EXPECT_EQ(f.count(), 50);
  EXPECT_EQ(f.count("queue_id = 'Q49'"), 1);
}

TEST(BounceOutcomes, HardBounceSuppressesAtOnceSenderClassesNever) {
  Fixture f;
  f.start();
  f.deliver(attempt("Q1", "gone@example.org", "bounced", "550 5.1.1 no such user", verp("spring", "1")));
  f.deliver(attempt("Q2", "blocked@example.org", "bounced", "554 5.7.1 spam detected", verp("spring", "2")));
  f.deliver(
      attempt("Q3", "later@example.org", "deferred", "450 4.1.1 no such user yet", verp("spring", "3")));
  f.recorder->flush();
  auto db = f.database();
  SqliteSuppressionStore store(*db);
  auto gone = store.lookup(*parse_address("gone@example.org").address);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->reason, Reason::hard_bounce);
  EXPECT_EQ(gone->source, "campaign spring, queue Q1: 550 5.1.1 no such user");
  EXPECT_FALSE(store.lookup(*parse_address("blocked@example.org").address));
  EXPECT_FALSE(store.lookup(*parse_address("later@example.org").address));
  EXPECT_EQ(f.metrics.bounce_suppressions[0].load(), 1u);
}

DeliveryEvent soft_bounce(std::string campaign, int day, std::string key) {
  DeliveryEvent e;
  e.time = std::chrono::system_clock::time_point(std::chrono::hours(24 * (20000 + day)));
  e.result = "bounced";
  e.recipient = "full@example.org";
  e.reply = "452 4.2.2 mailbox full";
  e.classification = Classification{BounceClass::mailbox_full, Severity::soft, "r"};
  e.campaign_id = std::move(campaign);
  e.event_key = std::move(key);
  return e;
}

TEST(BounceOutcomes, SoftBouncesSuppressAfterNCampaignsOverTheSpanADeliveryResets) {
  relay::test::TempDir dir;
  auto db = std::move(Database::open(dir.path() / "db").database);
  BounceOutcomes outcomes(*db, {3, std::chrono::seconds(15 * 24 * 3600)});
  SqliteSuppressionStore store(*db);
  auto full = *parse_address("full@example.org").address;
  outcomes.record({soft_bounce("a", 0, "1"), soft_bounce("b", 7, "2")});
  DeliveryEvent delivered = soft_bounce("c", 10, "3");
  delivered.result = "delivered";
  delivered.classification.reset();
  outcomes.record({delivered});
  outcomes.record({soft_bounce("d", 14, "4"), soft_bounce("e", 21, "5")});
  EXPECT_FALSE(store.lookup(full)) << "the delivery in c resets";
  auto counts = outcomes.record({soft_bounce("f", 28, "6")});
  EXPECT_FALSE(store.lookup(full)) << "d to f: 14 days, under the span";
  outcomes.record({soft_bounce("g", 30, "7")});
  EXPECT_FALSE(store.lookup(full)) << "e to g: 9 days";
  counts = outcomes.record({soft_bounce("h", 45, "8")});
  ASSERT_TRUE(store.lookup(full)) << "f to h: 17 days";
  EXPECT_EQ(store.lookup(full)->reason, Reason::soft_bounce);
  EXPECT_EQ(counts.suppressed[static_cast<std::size_t>(SuppressedBy::soft_bounce)], 1u);
}

TEST(BounceOutcomes, AsyncBouncesAndComplaintsWithTheirMessage) {
  relay::test::TempDir dir;
  auto db = std::move(Database::open(dir.path() / "db").database);
  BounceOutcomes outcomes(*db, {});
  SqliteSuppressionStore store(*db);
  DeliveryEvent complaint;
  complaint.time = std::chrono::system_clock::now();
  complaint.kind = EventKind::complaint;
  complaint.result = "complained";
  complaint.recipient = "angry@example.org";
  complaint.campaign_id = "spring";
  complaint.recipient_id = "9";
  complaint.event_key = "arf:<id@x>:angry@example.org";
  BounceMessage message;
  message.time = complaint.time;
  message.kind = "arf";
  message.token = "valid";
  message.outcome = "recorded";
  message.campaign_id = "spring";
  auto counts = outcomes.record({complaint}, &message);
  EXPECT_EQ(counts.inserted, 1u);
  EXPECT_EQ(counts.suppressed[static_cast<std::size_t>(SuppressedBy::complaint)], 1u);
  EXPECT_EQ(store.lookup(*parse_address("angry@example.org").address)->reason, Reason::complaint);
  counts = outcomes.record({complaint});
  EXPECT_EQ(counts.duplicates, 1u);
  Statement s(*db, "SELECT kind || ' ' || events || ' ' || campaign_id FROM bounce_messages");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "arf 1 spring");
}

}  // namespace
}  // namespace campaigns
