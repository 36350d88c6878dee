// The cloaking side's delivery through `relayctl serve`: mail an inbound listener accepts for a domain
// with an [[inbound.backend]] goes to that backend (not where outbound routes point), follows the backend
// when the configuration moves it (SIGHUP), and is held for [inbound] max_queue_lifetime before it
// bounces to its sender.
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/behaviour_sink.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

std::string backend_at(unsigned short port) {
  return "[[inbound.backend]]\ndomain = \"local.test\"\nnext_hop = \"127.0.0.1:" + std::to_string(port) +
         "\"\n";
}

RunResult send_inbound(const SmtpDaemon& daemon, const std::string& to) {
  return run({"swaks", "--server", "127.0.0.1:" + std::to_string(daemon.inbound_port()), "--from",
              "someone@example.com", "--to", to, "--timeout", "20", "--hide-informational", "--header",
              "Subject: for the backend"});
}

TEST(ServeInbound, MailForABackendDomainGoesToTheBackendNotTheOutboundRoute) {
  BehaviourSink backend, outbound;
  DaemonOptions options;
  options.extra = backend_at(backend.port()) + route_all_to(outbound.port());
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto sent = send_inbound(daemon, "reader@local.test");
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  ASSERT_TRUE(eventually([&] { return !backend.messages().empty(); })) << daemon.log();
  EXPECT_EQ(backend.messages()[0].recipients, std::vector<std::string>{"reader@local.test"});
  EXPECT_THAT(backend.messages()[0].data, HasSubstr("Subject: for the backend"));
  EXPECT_TRUE(outbound.messages().empty());
  // The sink has the message before the daemon has read its 250 and written the accounting line.
  ASSERT_TRUE(eventually([&] { return !daemon.accounting().empty(); })) << daemon.log();
  auto lines = daemon.accounting();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["destination"], "backend:local.test");  // the domain's backends, one chosen per attempt
  EXPECT_EQ(lines[0]["mx_host"], "127.0.0.1:" + std::to_string(backend.port()));
  EXPECT_EQ(lines[0]["result"], "delivered");
}

// The customer's server moved: mail held for the old address goes to the new one after a SIGHUP.
TEST(ServeInbound, HeldMailFollowsABackendMovedBySighup) {
  unsigned short old_port = free_tcp_port();  // nothing listens: the backend is down
  BehaviourSink moved;
  DaemonOptions options;
  options.delivery = "retry_initial = \"1h\"\n";
  options.extra = backend_at(old_port);
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(send_inbound(daemon, "reader@local.test").exit_code, 0);
  ASSERT_TRUE(eventually([&] { return !daemon.accounting().empty(); })) << daemon.log();
  EXPECT_EQ(daemon.accounting()[0]["result"], "deferred");

  ASSERT_TRUE(daemon.edit_config("127.0.0.1:" + std::to_string(old_port),
                                 "127.0.0.1:" + std::to_string(moved.port())));
  ASSERT_TRUE(daemon.reload()) << daemon.log();
  EXPECT_EQ(daemon.relayctl({"queue", "flush"}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return !moved.messages().empty(); })) << daemon.log();
  EXPECT_EQ(moved.messages()[0].recipients, std::vector<std::string>{"reader@local.test"});
  EXPECT_TRUE(eventually([&] { return daemon.queued_ids().empty(); }));
}

// [inbound] max_queue_lifetime, not [delivery]'s, bounds how long mail waits for a backend; then its
// sender gets a DSN (through the outbound route).
TEST(ServeInbound, MailIsHeldForTheInboundLifetimeThenBounces) {
  unsigned short down = free_tcp_port();
  BehaviourSink outbound;
  DaemonOptions options;
  options.delivery = "retry_initial = \"1s\"\nretry_max = \"1s\"\nmax_queue_lifetime = \"1h\"\n";
  options.extra = "max_queue_lifetime = \"3s\"\n" + backend_at(down) + route_all_to(outbound.port());
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(send_inbound(daemon, "reader@local.test").exit_code, 0);
  ASSERT_TRUE(eventually([&] {
    for (const auto& line : daemon.accounting())
      if (line["result"] == "expired") return true;
    return false;
  })) << daemon.log();
  ASSERT_TRUE(eventually([&] { return !outbound.messages().empty(); })) << daemon.log();
  auto messages = outbound.messages();
  const auto& dsn = messages[0];
  EXPECT_TRUE(dsn.sender.empty());
  EXPECT_EQ(dsn.recipients, std::vector<std::string>{"someone@example.com"});
  EXPECT_THAT(dsn.data, HasSubstr("Final-Recipient: rfc822; reader@local.test"));
  EXPECT_THAT(dsn.data, HasSubstr("Status: 4.4.7"));
}

}  // namespace
