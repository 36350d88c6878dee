// The delivery engine and a relay domain's backends (EngineOptions::backends filled directly, as
// engine_options does from [[inbound.domain]]): messages in a real spool, backends as behaviour sinks on
// loopback. Weights share the mail, a later priority gets it only while the first is down, backend_tls =
// required defers rather than sending in clear, the domain's own hold time bounds the retries and its DSN
// names no backend, and a route written by an older version (one HOST:PORT) is still followed.
#include <map>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mta/queue/engine.hpp"
#include "mta/spool/segment_spool.hpp"
#include "tests/support/behaviour_sink.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace mta::queue {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
using relay::test::BehaviourSink;
using relay::test::BehaviourSinkOptions;
using relay::test::eventually;

const std::string kBody =
    "From: outsider@example.net\r\nTo: reader@customer.test\r\nSubject: for the backends\r\n"
    "Message-ID: <1@example.net>\r\n\r\nHello.\r\n";

config::InboundBackend backend_at(unsigned short port, unsigned weight = 1, unsigned priority = 0) {
  config::InboundBackend b;
  b.address = {"127.0.0.1", port};
  b.weight = weight;
  b.priority = priority;
  return b;
}

class BackendsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::error_code ec;
    spool_ = spool::SegmentSpool::open({dir_.path() / "spool"}, ec);
    ASSERT_FALSE(ec) << ec.message();
  }

  // Inbound mail from outsider@example.net for recipient, routed to the domain's backends (as the server
  // records it: the route names the domain), or to route_target when given (an older spool's HOST:PORT).
  spool::QueueId queue(const std::string& recipient, const std::string& route_target = "customer.test") {
    spool::Envelope e;
    e.sender = "outsider@example.net";
    e.recipients.push_back({recipient, {}, 0, ""});
    e.recipients[0].state.route = {spool::RouteKind::backend, route_target};
    e.received_at =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    e.listener = "inbound";
    spool::QueueId id;
    EXPECT_FALSE(spool_->store_wait(e, kBody, id));
    return id;
  }

  // An engine on its own thread; outbound mail (DSNs) goes to the outbound sink.
  class Running {
   public:
    Running(BackendsTest& test, EngineOptions options)
        : routes_{route_to(test.outbound_.port())},
          router_(routes_, nullptr, nullptr),
          engine_(io_.get_executor(), *test.spool_, router_, std::move(options)) {
      asio::co_spawn(io_, engine_.run(), asio::detached);
      runner_ = std::thread([this] { io_.run(); });
    }
    ~Running() {
      engine_.stop();
      runner_.join();
    }
    DeliveryEngine& engine() { return engine_; }

   private:
    static config::Route route_to(unsigned short port) {
      config::Route route;
      route.domain = "*";
      route.next_hop = {"127.0.0.1", port};
      return route;
    }
    asio::io_context io_;
    std::vector<config::Route> routes_;
    StaticRouter router_;
    DeliveryEngine engine_;
    std::thread runner_;
  };

  static EngineOptions options_for(BackendGroup group) {
    EngineOptions options;
    options.hostname = "mx.test";
    options.retry = {.initial = 1s, .max = 1s, .lifetime = 1h};
    options.inbound_lifetime = 1h;
    options.backends["customer.test"] = std::move(group);
    return options;
  }

  bool queue_empty(std::chrono::seconds limit = 20s) {
    return eventually([this] { return spool_->stats().messages == 0; }, limit);
  }

  relay::test::TempDir dir_;
  BehaviourSink outbound_;
  std::unique_ptr<spool::SegmentSpool> spool_;
};

TEST_F(BackendsTest, WeightsShareTheMail) {
  BehaviourSink heavy, light;
  BackendGroup group;
  group.backends = {backend_at(heavy.port(), 2), backend_at(light.port(), 1)};
  for (int i = 0; i < 6; ++i)
    queue("reader" + std::to_string(i) + "@customer.test");
  Running running(*this, options_for(group));
  ASSERT_TRUE(queue_empty());
  EXPECT_EQ(heavy.messages().size(), 4u);  // every pick is counted, whatever the timing: 2:1 of 6
  EXPECT_EQ(light.messages().size(), 2u);
  EXPECT_EQ(running.engine().stats().deferred, 0u);
}

TEST_F(BackendsTest, ALaterPriorityGetsMailOnlyWhileTheFirstIsDown) {
  BehaviourSink backup;
  auto primary = std::make_unique<BehaviourSink>();
  unsigned short primary_port = primary->port();
  BackendGroup group;
  group.backends = {backend_at(backup.port(), 5, 1), backend_at(primary_port, 1, 0)};
  queue("first@customer.test");
  {
    Running running(*this, options_for(group));
    ASSERT_TRUE(queue_empty());
  }
  EXPECT_EQ(primary->messages().size(), 1u);
  EXPECT_TRUE(backup.messages().empty());
  primary.reset();  // the primary stops: its mail goes to the backup in the same attempt
  queue("second@customer.test");
  Running running(*this, options_for(group));
  ASSERT_TRUE(queue_empty());
  ASSERT_EQ(backup.messages().size(), 1u);
  EXPECT_EQ(backup.messages()[0].recipients, std::vector<std::string>{"second@customer.test"});
  EXPECT_EQ(running.engine().stats().deferred, 0u);
}

TEST_F(BackendsTest, RequiredTlsDefersRatherThanSendingInClear) {
  BehaviourSink plain;
  BehaviourSinkOptions with_tls;
  with_tls.tls = true;
  BehaviourSink secure(with_tls);
  BackendGroup group;
  group.tls = config::BackendTls::required;
  group.backends = {backend_at(plain.port())};
  queue("reader@customer.test");
  {
    Running running(*this, options_for(group));
    ASSERT_TRUE(eventually([&] { return running.engine().stats().deferred > 0; }));
  }
  EXPECT_TRUE(plain.messages().empty());
  group.backends = {backend_at(plain.port()), backend_at(secure.port())};  // one offers STARTTLS
  auto options = options_for(group);
  Running running(*this, options);
  ASSERT_TRUE(queue_empty());
  EXPECT_TRUE(plain.messages().empty());
  ASSERT_EQ(secure.messages().size(), 1u);
  EXPECT_TRUE(secure.messages()[0].tls);
}

TEST_F(BackendsTest, TheDomainsHoldTimeBoundsTheRetriesAndItsBounceNamesNoBackend) {
  unsigned short down = relay::test::free_tcp_port();
  BackendGroup group;
  group.backends = {backend_at(down)};
  group.lifetime = 3s;  // the domain's; [inbound]'s is an hour here
  queue("reader@customer.test");
  Running running(*this, options_for(group));
  ASSERT_TRUE(queue_empty());
  ASSERT_EQ(outbound_.messages().size(), 1u);
  auto dsn = outbound_.messages()[0];
  EXPECT_EQ(dsn.recipients, std::vector<std::string>{"outsider@example.net"});
  EXPECT_THAT(dsn.data, HasSubstr("Status: 4.4.7"));
  EXPECT_THAT(dsn.data, Not(HasSubstr("127.0.0.1")));
  EXPECT_THAT(dsn.data, Not(HasSubstr("Remote-MTA")));
}

TEST_F(BackendsTest, AnOlderSpoolsRouteToOneBackendIsStillFollowed) {
  BehaviourSink old_backend;
  // The domain is no longer a relay domain here: the route written at acceptance decides.
  queue("reader@elsewhere.test", "127.0.0.1:" + std::to_string(old_backend.port()));
  Running running(*this, options_for(BackendGroup{}));
  ASSERT_TRUE(queue_empty());
  ASSERT_EQ(old_backend.messages().size(), 1u);
  EXPECT_EQ(old_backend.messages()[0].recipients, std::vector<std::string>{"reader@elsewhere.test"});
}

}  // namespace
}  // namespace mta::queue
