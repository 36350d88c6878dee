// The delivery engine end to end: messages in a real spool on disk, a static route to a behaviour sink on
// loopback, and what every kind of answer leads to — delivery, a bounce with its DSN, a retry that
// succeeds, a temporary failure that expires into a DSN — plus the accounting log's lines.
#include <fstream>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mta/queue/engine.hpp"
#include "mta/spool/segment_spool.hpp"
#include "tests/support/behaviour_sink.hpp"
#include "tests/support/temp_dir.hpp"

namespace mta::queue {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

spool::Envelope envelope(std::string sender, std::vector<std::string> recipients) {
  spool::Envelope e;
  e.sender = std::move(sender);
  for (auto& r : recipients)
    e.recipients.push_back({std::move(r), {}});
  e.received_at =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  e.listener = "relay";
  return e;
}

const std::string kBody =
    "From: sender@example.com\r\nTo: list@example.org\r\nSubject: engine test\r\n"
    "Message-ID: <1@example.com>\r\n\r\nHello.\r\n";

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::error_code ec;
    spool_ = spool::SegmentSpool::open({dir_.path() / "spool"}, ec);
    ASSERT_FALSE(ec) << ec.message();
  }

  // Runs the engine until the spool is empty or the time is up; returns the engine's stats.
  EngineStats run_until_empty(std::chrono::seconds limit, EngineOptions options) {
    asio::io_context io;
    config::Route route;
    route.domain = "*";
    route.next_hop = {"127.0.0.1", sink_.port()};
    StaticRouter router({route}, nullptr, nullptr);
    delivery::AccountingLog log(dir_.path() / "delivery.log");
    DeliveryEngine engine(io.get_executor(), *spool_, router, options, &log);
    asio::co_spawn(io, engine.run(), asio::detached);
    std::thread runner([&io] { io.run(); });
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (spool_->stats().messages > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    engine.stop();
    runner.join();
    return engine.stats();
  }

  std::vector<nlohmann::json> log_lines() {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_.path() / "delivery.log");
    for (std::string line; std::getline(in, line);)
      out.push_back(nlohmann::json::parse(line));
    return out;
  }

  relay::test::TempDir dir_;
  relay::test::BehaviourSink sink_;
  std::unique_ptr<spool::SegmentSpool> spool_;
};

TEST_F(EngineTest, DeliversBouncesRetriesAndExpires) {
  spool::QueueId id;
  ASSERT_FALSE(spool_->store_wait(
      envelope("sender@example.com",
               {"accept1@example.org", "reject@example.org", "once@example.net", "tempfail@example.com"}),
      kBody, id));
  EngineOptions options;
  options.hostname = "mta.test";
  options.retry = {.initial = 1s, .max = 1s, .lifetime = 4s};
  auto stats = run_until_empty(30s, options);
  EXPECT_EQ(spool_->stats().messages, 0u) << "the spool should be empty once everything is final";

  // accept1 at once, once@ on its retry, and the two DSNs (reject, tempfail expired) to the sender.
  auto messages = sink_.messages();
  std::vector<std::string> delivered_to;
  std::vector<std::string> dsns;
  for (const auto& m : messages) {
    if (m.sender.empty()) {
      EXPECT_EQ(m.recipients, std::vector<std::string>{"sender@example.com"});
      dsns.push_back(m.data);
    } else {
      delivered_to.insert(delivered_to.end(), m.recipients.begin(), m.recipients.end());
      EXPECT_THAT(m.data, HasSubstr("Subject: engine test"));
    }
  }
  std::sort(delivered_to.begin(), delivered_to.end());
  EXPECT_EQ(delivered_to, (std::vector<std::string>{"accept1@example.org", "once@example.net"}));
  ASSERT_EQ(dsns.size(), 2u);
  std::string both = dsns[0] + dsns[1];
  EXPECT_THAT(both, HasSubstr("Final-Recipient: rfc822; reject@example.org"));
  EXPECT_THAT(both, HasSubstr("Status: 5.1.1"));
  EXPECT_THAT(both, HasSubstr("Final-Recipient: rfc822; tempfail@example.com"));
  EXPECT_THAT(both, HasSubstr("Status: 4.4.7"));
  EXPECT_THAT(both, HasSubstr("Subject: engine test"));  // the original headers come back
  EXPECT_THAT(both, HasSubstr("Reporting-MTA: dns; mta.test"));

  EXPECT_EQ(stats.delivered, 2u + 2u);  // the two recipients, then the two DSNs
  EXPECT_EQ(stats.bounced, 1u);
  EXPECT_EQ(stats.expired, 1u);
  EXPECT_GE(stats.deferred, 2u);  // once@ once, tempfail@ at least once before expiring
  EXPECT_EQ(stats.dsns, 2u);

  std::map<std::string, std::vector<std::string>> results;
  for (const auto& line : log_lines())
    results[line["recipient"]].push_back(line["result"]);
  EXPECT_EQ(results["accept1@example.org"], std::vector<std::string>{"delivered"});
  EXPECT_EQ(results["reject@example.org"], std::vector<std::string>{"bounced"});
  EXPECT_EQ(results["once@example.net"], (std::vector<std::string>{"deferred", "delivered"}));
  ASSERT_FALSE(results["tempfail@example.com"].empty());
  EXPECT_EQ(results["tempfail@example.com"].back(), "expired");
}

TEST_F(EngineTest, NullSenderGetsNoDsn) {
  spool::QueueId id;
  ASSERT_FALSE(spool_->store_wait(envelope("", {"reject@example.org"}), kBody, id));
  EngineOptions options;
  auto stats = run_until_empty(10s, options);
  EXPECT_EQ(spool_->stats().messages, 0u);
  EXPECT_EQ(stats.bounced, 1u);
  EXPECT_EQ(stats.dsns, 0u);
  EXPECT_TRUE(sink_.messages().empty());
}

TEST_F(EngineTest, ManyMessagesShareFewConnections) {
  for (int i = 0; i < 40; ++i) {
    spool::QueueId id;
    ASSERT_FALSE(spool_->store_wait(
        envelope("sender@example.com", {"accept" + std::to_string(i) + "@example.org"}), kBody, id));
  }
  EngineOptions options;
  options.default_limits.max_connections = 2;
  options.default_limits.max_messages_per_connection = 50;
  auto stats = run_until_empty(30s, options);
  EXPECT_EQ(spool_->stats().messages, 0u);
  EXPECT_EQ(sink_.messages().size(), 40u);
  EXPECT_LE(stats.connections, 2u);
  int most = 0;
  for (const auto& event : sink_.events())
    if (event["kind"] == "connect") most = std::max(most, event["active"].get<int>());
  EXPECT_LE(most, 2);
}

}  // namespace
}  // namespace mta::queue
