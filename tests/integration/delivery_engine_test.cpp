// The delivery engine end to end: messages in a real spool on disk, a static route to a behaviour sink on
// loopback, and what every kind of answer leads to — delivery, a bounce with its DSN, a retry that
// succeeds, a temporary failure that expires into a DSN — plus the accounting log's lines.
#include <fstream>
#include <set>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dns/resolver/memory_resolver.hpp"
#include "mta/queue/engine.hpp"
#include "mta/queue/mx_router.hpp"
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
    e.recipients.push_back({std::move(r), {}, 0, ""});
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

  // An engine on its own thread, routing every domain to the sink (or through another router), with the
  // accounting log in the temp dir; stop() (or destruction) stops it and joins the thread.
  class Running {
   public:
    Running(EngineTest& test, EngineOptions options, Router* other = nullptr)
        : routes_{sink_route(test.sink_.port())},
          static_router_(routes_, nullptr, nullptr),
          log_(test.dir_.path() / "delivery.log"),
          engine_(io_.get_executor(), *test.spool_, other ? *other : static_router_, std::move(options),
                  &log_) {
      asio::co_spawn(io_, engine_.run(), asio::detached);
      runner_ = std::thread([this] { io_.run(); });
    }
    ~Running() { stop(); }
    void stop() {
      if (!runner_.joinable()) return;
      engine_.stop();
      runner_.join();
    }
    DeliveryEngine& engine() { return engine_; }

   private:
    static config::Route sink_route(unsigned short port) {
      config::Route route;
      route.domain = "*";
      route.next_hop = {"127.0.0.1", port};
      return route;
    }
    asio::io_context io_;
    std::vector<config::Route> routes_;
    StaticRouter static_router_;
    delivery::AccountingLog log_;
    DeliveryEngine engine_;
    std::thread runner_;
  };

  // Runs the engine until the spool is empty or the time is up; returns the engine's stats.
  EngineStats run_until_empty(std::chrono::seconds limit, EngineOptions options, Router* other = nullptr) {
    Running running(*this, std::move(options), other);
    relay::test::eventually([this] { return spool_->stats().messages == 0; }, limit);
    running.stop();
    return running.engine().stats();
  }

  // Stores a message from sender@example.com to recipients; its id.
  spool::QueueId queue(std::vector<std::string> recipients) {
    spool::QueueId id;
    EXPECT_FALSE(spool_->store_wait(envelope("sender@example.com", std::move(recipients)), kBody, id));
    return id;
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
  queue({"accept1@example.org", "reject@example.org", "once@example.net", "tempfail@example.com"});
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

// A message whose recipients fail at several destinations in the same pass gets one DSN naming them all,
// each with its own status and server, and nothing is left in the spool.
TEST_F(EngineTest, FailuresAtSeveralDestinationsGoInOneDsn) {
  queue({"reject@example.org", "accept@example.com", "reject2@example.net", "datafail@example.edu"});
  EngineOptions options;
  options.hostname = "mta.test";
  auto stats = run_until_empty(30s, options);
  EXPECT_EQ(spool_->stats().messages, 0u);

  std::vector<std::string> dsns;
  for (const auto& m : sink_.messages())
    if (m.sender.empty()) dsns.push_back(m.data);
  ASSERT_EQ(dsns.size(), 1u) << "one DSN for the message, not one per destination";
  EXPECT_EQ(stats.dsns, 1u);
  EXPECT_EQ(stats.bounced, 3u);
  const std::string& dsn = dsns.front();
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; reject@example.org"));
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; reject2@example.net"));
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; datafail@example.edu"));
  EXPECT_THAT(dsn, HasSubstr("Status: 5.1.1"));
  EXPECT_THAT(dsn, HasSubstr("Status: 5.6.0"));
  EXPECT_THAT(dsn, ::testing::Not(HasSubstr("Final-Recipient: rfc822; accept@example.com")));
}

// A message deleted while its pass is still going (one destination has bounced a recipient, another is
// slow to answer) takes its bounce with it: no DSN, and nothing is written for the deleted message.
TEST_F(EngineTest, AMessageDeletedMidPassSendsNoDsn) {
  spool::QueueId id = queue({"reject@example.net", "slow@example.org"});
  Running running(*this, EngineOptions{});
  auto bounced = [this] {
    for (const auto& line : log_lines())
      if (line["result"] == "bounced") return true;
    return false;
  };
  EXPECT_TRUE(relay::test::eventually(bounced, 10s));
  auto removed = spool_->remove_wait(id);  // as `relayctl queue delete` does, while slow@ is still waiting
  EXPECT_FALSE(removed) << removed.message();
  relay::test::eventually([this] { return log_lines().size() >= 2; }, 10s);
  std::this_thread::sleep_for(300ms);  // time for a DSN to be stored, if one were made
  running.stop();
  EXPECT_EQ(log_lines().size(), 2u) << "slow@'s attempt finished too";
  EXPECT_EQ(running.engine().stats().dsns, 0u);
  EXPECT_EQ(spool_->stats().messages, 0u);
}

// [delivery] delay_warning_after: a message still queued after it gets one "delayed" DSN (RFC 3464
// Action: delayed, Will-Retry-Until) however many deferrals follow and across an engine restart, then
// the usual failed DSN when it expires. Inbound mail and the null sender never get a warning.
TEST_F(EngineTest, DelayWarningGoesOnceToTheSenderAndSurvivesARestart) {
  spool::QueueId outbound, inbound, null_sender;
  ASSERT_FALSE(spool_->store_wait(
      envelope("sender@example.com", {"tempfail@example.com", "tempfail2@example.net"}), kBody, outbound));
  auto cloaked = envelope("outsider@example.net", {"tempfail@customer.test"});
  cloaked.listener = "inbound";
  ASSERT_FALSE(spool_->store_wait(cloaked, kBody, inbound));
  ASSERT_FALSE(spool_->store_wait(envelope("", {"tempfail@example.org"}), kBody, null_sender));
  EngineOptions options;
  options.hostname = "mta.test";
  options.retry = {.initial = 1s, .max = 1s, .lifetime = 7s};
  options.inbound_lifetime = 7s;  // the inbound message's ([inbound] max_queue_lifetime)
  options.delay_warning = 2s;

  auto delayed = [this] {
    std::vector<relay::test::BehaviourSink::Stored> out;
    for (const auto& m : sink_.messages())
      if (m.data.find("Action: delayed") != std::string::npos) out.push_back(m);
    return out;
  };
  run_until_empty(4s, options);  // the warning goes out after 2 s; the messages stay queued
  ASSERT_EQ(delayed().size(), 1u);
  spool::Envelope e;
  ASSERT_FALSE(spool_->load_envelope(outbound, e));
  EXPECT_TRUE(e.delay_warned);
  ASSERT_FALSE(spool_->load_envelope(inbound, e));
  EXPECT_FALSE(e.delay_warned);

  auto stats = run_until_empty(30s, options);  // a new engine: the spool remembers the warning
  EXPECT_EQ(spool_->stats().messages, 0u);
  auto warnings = delayed();
  ASSERT_EQ(warnings.size(), 1u) << "one warning per message, ever";
  const auto& w = warnings[0];
  EXPECT_TRUE(w.sender.empty());
  EXPECT_EQ(w.recipients, std::vector<std::string>{"sender@example.com"});
  EXPECT_THAT(w.data, HasSubstr("Subject: Delayed Mail (still being retried)"));
  EXPECT_THAT(w.data, HasSubstr("Final-Recipient: rfc822; tempfail@example.com"));
  EXPECT_THAT(w.data, HasSubstr("Final-Recipient: rfc822; tempfail2@example.net"));
  EXPECT_THAT(w.data, HasSubstr("Status: 4."));
  EXPECT_THAT(w.data, HasSubstr("Will-Retry-Until: "));
  EXPECT_THAT(w.data, HasSubstr("It will keep trying until "));
  EXPECT_THAT(w.data, HasSubstr("Subject: engine test"));

  // Then the expiry: one failed DSN for the outbound message, one for the inbound one (its sender is
  // told when the backend never came back), none for the null sender.
  std::set<std::string> failed_to;  // (one failed DSN per destination's job: example.com, example.net)
  for (const auto& m : sink_.messages())
    if (m.data.find("Action: failed") != std::string::npos) failed_to.insert(m.recipients.at(0));
  EXPECT_EQ(failed_to, (std::set<std::string>{"outsider@example.net", "sender@example.com"}));
  EXPECT_EQ(stats.expired, 4u);
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

// [[delivery.shaping]] max_recipients: a message with more recipients at one destination goes in several
// transactions, each within the limit, each recipient once, nothing deferred.
TEST_F(EngineTest, ALargeRecipientListIsSplitIntoTransactions) {
  queue({"accept0@example.org", "accept1@example.org", "accept2@example.org", "accept3@example.org",
         "accept4@example.org"});
  EngineOptions options;
  options.default_limits.max_recipients = 2;
  auto stats = run_until_empty(20s, options);
  EXPECT_EQ(spool_->stats().messages, 0u);
  std::multiset<std::size_t> sizes;
  std::multiset<std::string> recipients;
  for (const auto& m : sink_.messages()) {
    sizes.insert(m.recipients.size());
    recipients.insert(m.recipients.begin(), m.recipients.end());
  }
  EXPECT_EQ(sizes, (std::multiset<std::size_t>{1, 2, 2}));
  EXPECT_EQ(recipients.size(), 5u);
  EXPECT_EQ(std::set<std::string>(recipients.begin(), recipients.end()).size(), 5u);
  EXPECT_EQ(stats.delivered, 5u);
  EXPECT_EQ(stats.deferred, 0u);
}

// RFC 5321 §4.5.3.1.10: a server that takes fewer recipients per transaction answers the rest "452 too many
// recipients" (or, as RFC 821 had it, 552 5.5.3, to be taken as temporary); they go in the next transaction
// at once instead of waiting for a retry (5 minutes by default: the run would time out).
class TooManyRecipients : public EngineTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(TooManyRecipients, TheRestGoInTheNextTransactionAtOnce) {
  relay::test::BehaviourSinkOptions limited;
  limited.max_recipients = 2;
  limited.too_many_reply = GetParam();
  relay::test::BehaviourSink server(limited);
  config::Route route;
  route.domain = "*";
  route.next_hop = {"127.0.0.1", server.port()};
  StaticRouter router({route}, nullptr, nullptr);
  queue({"accept0@example.org", "accept1@example.org", "accept2@example.org", "accept3@example.org",
         "accept4@example.org"});
  auto stats = run_until_empty(20s, EngineOptions{}, &router);
  EXPECT_EQ(spool_->stats().messages, 0u);
  std::multiset<std::size_t> sizes;
  for (const auto& m : server.messages())
    sizes.insert(m.recipients.size());
  EXPECT_EQ(sizes, (std::multiset<std::size_t>{1, 2, 2}));
  EXPECT_EQ(stats.delivered, 5u);
  EXPECT_EQ(stats.deferred, 0u);
  EXPECT_EQ(stats.bounced, 0u);
  std::map<std::string, std::vector<std::string>> results;
  for (const auto& line : log_lines())
    results[line["recipient"]].push_back(line["result"]);
  ASSERT_EQ(results.size(), 5u);
  for (const auto& [recipient, outcomes] : results)
    EXPECT_EQ(outcomes, std::vector<std::string>{"delivered"}) << recipient;
}

INSTANTIATE_TEST_SUITE_P(Replies, TooManyRecipients,
                         ::testing::Values("452 4.5.3 Error: too many recipients",
                                           "552 5.5.3 Too many recipients"));

// A shaping entry matched by domain limits only that domain, even when other domains share its hosts (here
// one route for everything): slow.example gets one message a minute while fast.example, interleaved with
// it in the queue, is not held back.
TEST_F(EngineTest, AShapingEntryMatchedByDomainLimitsOnlyThatDomain) {
  for (const char* to : {"accept0@slow.example", "accept1@fast.example", "accept2@slow.example",
                         "accept3@fast.example", "accept4@fast.example"})
    queue({to});
  EngineOptions options;
  config::Shaping slow;
  slow.match = "slow.example";
  slow.rate = {1, std::chrono::minutes(1)};
  options.shaping = {slow};
  run_until_empty(4s, options);  // returns after 4 s: slow.example's second message waits its minute
  std::multiset<std::string> domains;
  for (const auto& m : sink_.messages())
    domains.insert(m.recipients.at(0).substr(m.recipients.at(0).find('@') + 1));
  EXPECT_EQ(domains.count("fast.example"), 3u);
  EXPECT_EQ(domains.count("slow.example"), 1u);
  EXPECT_EQ(spool_->stats().messages, 1u);
}

// The back-off after a rate-limiting reply belongs to the hosts, not to a queue: mail for another domain
// with a queue of its own at the same server (a shaping entry matched it by domain) waits it out too.
TEST_F(EngineTest, RateLimitBackOffPausesEveryQueueToTheHosts) {
  queue({"ratelimit@a.example"});
  EngineOptions options;
  options.backoff.first = std::chrono::seconds(2);
  options.retry = {std::chrono::seconds(30), std::chrono::seconds(30), std::chrono::seconds(60)};
  config::Shaping own;
  own.match = "b.example";  // b.example gets a queue of its own
  options.shaping = {own};
  Running running(*this, options);
  relay::test::eventually([&] { return running.engine().stats().deferred > 0; }, 10s);
  ASSERT_EQ(running.engine().stats().deferred, 1u);  // the 421 4.7.28: the hosts are paused for 2 s
  auto paused_at = std::chrono::steady_clock::now();
  running.engine().submit(queue({"accept@b.example"}));
  relay::test::eventually([this] { return !sink_.messages().empty(); }, 10s);
  auto delivered_after = std::chrono::steady_clock::now() - paused_at;
  running.stop();
  ASSERT_EQ(sink_.messages().size(), 1u);
  EXPECT_GE(delivered_after, 1500ms);  // waited for the hosts' pause, though its queue never saw a 421
}

// Two egress paths to one destination: each message leaves from its pool's source (the campaign hook,
// EngineOptions::requested_pool, overrides the sender's pool), while the connection limit stays the
// destination's, shared by both sources.
TEST_F(EngineTest, EgressLanesShareTheDestinationLimitAndTheCampaignHookChoosesThePool) {
  for (int i = 0; i < 40; ++i) {
    spool::QueueId id;
    std::string sender = i % 2 ? "campaign-7@example.com" : "sender@example.com";
    ASSERT_FALSE(
        spool_->store_wait(envelope(sender, {"accept" + std::to_string(i) + "@example.org"}), kBody, id));
  }
  EngineOptions options;
  options.hostname = "mta.test";
  options.default_limits.max_connections = 2;
  options.default_limits.max_messages_per_connection = 5;
  options.egress.sources = {{"a", asio::ip::make_address("127.0.0.2"), "a.mta.test"},
                            {"b", asio::ip::make_address("127.0.0.3"), "b.mta.test"}};
  options.egress.pools = {{"pa", {{"a", 1}}}, {"pb", {{"b", 1}}}};
  options.egress.default_pool = "pa";
  options.requested_pool = [](const spool::Envelope& e) {
    return e.sender.starts_with("campaign-7@") ? std::string("pb") : std::string();
  };
  auto stats = run_until_empty(30s, options);
  EXPECT_EQ(spool_->stats().messages, 0u);
  auto messages = sink_.messages();
  ASSERT_EQ(messages.size(), 40u);
  for (const auto& m : messages) {
    bool campaign = m.sender.starts_with("campaign-7@");
    EXPECT_EQ(m.peer, campaign ? "127.0.0.3" : "127.0.0.2") << m.sender;
    EXPECT_EQ(m.helo, campaign ? "b.mta.test" : "a.mta.test") << m.sender;
  }
  EXPECT_GE(stats.connections, 8u);  // 20 messages a source, at most 5 a connection
  int most = 0;
  for (const auto& event : sink_.events())
    if (event["kind"] == "connect") most = std::max(most, event["active"].get<int>());
  EXPECT_LE(most, 2);
  for (const auto& line : log_lines())
    EXPECT_EQ(line["egress_ip"], line["egress_source"] == "b" ? "127.0.0.3" : "127.0.0.2");
}

// MX routing (RFC 5321 §5.1, RFC 7505) with DNS answers from a MemoryResolver — MX, implicit MX, null MX,
// a domain that does not exist and one with neither MX nor address (5.4.4); the "MX host" is a sink on
// 127.0.0.77, port 25, as MX delivery always uses port 25.
TEST(EngineMx, RoutesByMxImplicitMxNullMxAndMissingDomains) {
  relay::test::TempDir dir;
  std::error_code ec;
  auto spool = spool::SegmentSpool::open({dir.path() / "spool"}, ec);
  ASSERT_FALSE(ec);
  relay::test::BehaviourSinkOptions sink_options;
  sink_options.host = "127.0.0.77";
  relay::test::BehaviourSink sink(sink_options, 25);

  dns::MemoryResolver dns;
  dns.add("dest.test", dns::MxData{10, "mx.dest.test"});
  dns.add("example.com", dns::MxData{10, "mx.dest.test"});  // the sender's domain, for the DSN
  dns.add("mx.dest.test", asio::ip::make_address("127.0.0.77"));
  dns.add("implicit.test", asio::ip::make_address("127.0.0.77"));  // no MX: the domain itself
  dns.add("nullmx.test", dns::MxData{0, ""});                      // "MX 0 .": accepts no mail
  dns.add_txt("noaddress.test", "v=spf1 -all");                    // neither MX nor address: no route
  MxRouter router(dns);

  spool::QueueId id;
  ASSERT_FALSE(spool->store_wait(
      envelope("sender@example.com", {"accept@dest.test", "accept2@implicit.test", "someone@nullmx.test",
                                      "someone@nope.test", "someone@noaddress.test"}),
      kBody, id));
  asio::io_context io;
  EngineOptions options;
  DeliveryEngine engine(io.get_executor(), *spool, router, options);
  asio::co_spawn(io, engine.run(), asio::detached);
  std::thread runner([&io] { io.run(); });
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (spool->stats().messages > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  engine.stop();
  runner.join();
  EXPECT_EQ(spool->stats().messages, 0u);

  std::vector<std::string> delivered;
  std::string dsn;
  for (const auto& m : sink.messages()) {
    if (m.sender.empty())
      dsn += m.data;
    else
      delivered.insert(delivered.end(), m.recipients.begin(), m.recipients.end());
  }
  std::sort(delivered.begin(), delivered.end());
  EXPECT_EQ(delivered, (std::vector<std::string>{"accept2@implicit.test", "accept@dest.test"}));
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; someone@nullmx.test"));
  EXPECT_THAT(dsn, HasSubstr("Status: 5.1.10"));
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; someone@nope.test"));
  EXPECT_THAT(dsn, HasSubstr("Status: 5.1.2"));
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; someone@noaddress.test"));
  EXPECT_THAT(dsn, HasSubstr("Status: 5.4.4"));
}

}  // namespace
}  // namespace mta::queue

namespace mta::queue {
namespace {

double event_time(const nlohmann::json& event) {
  return event["time"].get<double>();
}

// Shaping: a destination limited to 4 messages a second gets 8 messages over at least 1.75 s (7 intervals
// of 250 ms; the bound is a property of the pacing, not a speed measurement).
TEST_F(EngineTest, RateLimitPacesDeliveries) {
  for (int i = 0; i < 8; ++i) {
    spool::QueueId id;
    ASSERT_FALSE(spool_->store_wait(
        envelope("sender@example.com", {"accept" + std::to_string(i) + "@example.org"}), kBody, id));
  }
  EngineOptions options;
  options.default_limits.max_connections = 2;
  options.default_limits.rate = {4, std::chrono::seconds(1), 1};
  run_until_empty(30s, options);
  std::vector<double> times;
  for (const auto& event : sink_.events())
    if (event["kind"] == "message") times.push_back(event_time(event));
  ASSERT_EQ(times.size(), 8u);
  EXPECT_GE(times.back() - times.front(), 1.75 * 0.95);
}

// A rate-limiting reply (421 4.7.28) suspends the whole destination: the next message to it waits out the
// back-off instead of going out at once on another connection.
TEST_F(EngineTest, RateLimitReplyBacksTheDestinationOff) {
  spool::QueueId id = queue({"ratelimit@example.org"});
  ASSERT_FALSE(spool_->store_wait(envelope("sender@example.com", {"accept@example.org"}), kBody, id));
  EngineOptions options;
  options.default_limits.max_connections = 1;  // one connection: the queue's order is the sending order
  options.backoff.first = std::chrono::seconds(2);
  options.retry = {std::chrono::seconds(1), std::chrono::seconds(1), std::chrono::seconds(3)};
  run_until_empty(30s, options);
  double first_connect = 0, accepted = 0;
  for (const auto& event : sink_.events()) {
    if (event["kind"] == "connect" && first_connect == 0) first_connect = event_time(event);
    if (event["kind"] == "message" && accepted == 0) accepted = event_time(event);
  }
  ASSERT_GT(first_connect, 0);
  ASSERT_GT(accepted, 0);
  bool deferred = false;
  for (const auto& line : log_lines())
    if (line["recipient"] == "ratelimit@example.org" && line["result"] == "deferred")
      deferred = deferred || line["enhanced_code"] == "4.7.28";
  EXPECT_TRUE(deferred);
  EXPECT_GE(accepted - first_connect, 2.0 * 0.9);
}

// stop() while a worker waits for the destination's pacing: the worker ends at once (its message stays
// queued in the spool for the next start) instead of sending once the wait is over.
TEST_F(EngineTest, StopEndsAWorkerWaitingForPacing) {
  for (int i = 0; i < 3; ++i)
    queue({"accept" + std::to_string(i) + "@example.org"});
  EngineOptions options;
  options.default_limits.max_connections = 1;
  options.default_limits.rate = {1, std::chrono::minutes(1), 1};  // one message a minute
  Running running(*this, options);
  DeliveryEngine& engine = running.engine();
  relay::test::eventually([this] { return !sink_.messages().empty(); }, 10s);
  ASSERT_EQ(sink_.messages().size(), 1u);
  std::this_thread::sleep_for(200ms);  // the worker is now waiting out the minute
  EXPECT_EQ(engine.running_workers(), 1u);

  engine.stop();  // far below the minute the pacing wait would take:
  EXPECT_TRUE(relay::test::eventually([&] { return engine.running_workers() == 0; }, 10s));
  running.stop();
  EXPECT_EQ(sink_.messages().size(), 1u);
  EXPECT_EQ(spool_->stats().messages, 2u);
}

}  // namespace
}  // namespace mta::queue
