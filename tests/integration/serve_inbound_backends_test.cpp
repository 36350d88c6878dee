// A relay domain with several backends, through `relayctl serve` and real sinks on loopback: the mail is
// shared between the backends by weighted round-robin; a stopped backend's share goes to the other in the
// same attempt (no deferral); while every backend is down the mail is held — `relayctl queue list --domain`
// shows it — and survives a kill -9 of relayctl, and once the backends return every held message arrives
// exactly once. Nothing a sender or the internet sees names a backend: not the banner, EHLO, Received
// fields, nor the DSN of mail that waited too long.
#include <map>
#include <memory>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/behaviour_sink.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// The configuration form that loads today: one [[inbound.backend]] per backend (weight 1, priority 0).
std::string backends_at(std::initializer_list<unsigned short> ports) {
  std::string out;
  for (auto port : ports)
    out += "[[inbound.backend]]\ndomain = \"local.test\"\nnext_hop = \"127.0.0.1:" + std::to_string(port) +
           "\"\n";
  return out;
}

RunResult send_inbound(const SmtpDaemon& daemon, const std::string& subject) {
  return run({"swaks", "--server", "127.0.0.1:" + std::to_string(daemon.inbound_port()), "--from",
              "someone@example.com", "--to", "reader@local.test", "--timeout", "20", "--hide-informational",
              "--header", "Subject: " + subject});
}

// Subjects of the messages a sink received.
std::vector<std::string> subjects(const std::vector<BehaviourSink::Stored>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) {
    auto at = m.data.find("Subject: ");
    out.push_back(at == std::string::npos ? "" : m.data.substr(at + 9, m.data.find('\r', at) - at - 9));
  }
  return out;
}

std::size_t count_result(const SmtpDaemon& daemon, const std::string& result) {
  std::size_t n = 0;
  for (const auto& line : daemon.accounting())
    n += line["result"] == result;
  return n;
}

// Header fields unfolded (RFC 5322 §2.2.3), so that a phrase is found wherever a field was folded.
std::string unfolded(std::string text) {
  for (auto at = text.find("\r\n "); at != std::string::npos; at = text.find("\r\n ", at))
    text.replace(at, 3, " ");
  return text;
}

std::string named(unsigned short port) {
  return "127.0.0.1:" + std::to_string(port);
}

TEST(ServeInboundBackends, TwoBackendsShareTheMailByWeight) {
  BehaviourSink first, second;
  DaemonOptions options;
  options.extra = backends_at({first.port(), second.port()});
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  for (int i = 0; i < 6; ++i)
    ASSERT_EQ(send_inbound(daemon, "share " + std::to_string(i)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return first.messages().size() + second.messages().size() == 6; }))
      << daemon.log();
  ASSERT_TRUE(eventually([&] { return count_result(daemon, "delivered") == 6; })) << daemon.log();
  // Equal weights: every pick alternates, whatever the timing — each backend gets half.
  EXPECT_EQ(first.messages().size(), 3u);
  EXPECT_EQ(second.messages().size(), 3u);
  std::map<std::string, int> by_backend;
  for (const auto& line : daemon.accounting()) {
    EXPECT_EQ(line["destination"], "backend:local.test");
    ++by_backend[line["mx_host"].get<std::string>()];
  }
  EXPECT_EQ(by_backend, (std::map<std::string, int>{{named(first.port()), 3}, {named(second.port()), 3}}));
  // What the backends received names neither of them (the Received field is relayctl's own).
  for (const auto* sink : {&first, &second})
    for (const auto& m : sink->messages()) {
      EXPECT_THAT(m.data, Not(HasSubstr(named(first.port()))));
      EXPECT_THAT(m.data, Not(HasSubstr(named(second.port()))));
      EXPECT_THAT(m.data, HasSubstr("by mx.test"));
    }
}

TEST(ServeInboundBackends, TheBannerAndEhloNameNoBackend) {
  BehaviourSink backend;
  DaemonOptions options;
  options.extra = backends_at({backend.port()});
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.inbound_port()));
  std::string dialogue = client.reply();
  dialogue += client.command("EHLO client.example");
  dialogue += client.command("QUIT");
  EXPECT_EQ(reply_code(dialogue), 220);
  EXPECT_THAT(dialogue, HasSubstr("mx.test"));
  EXPECT_THAT(dialogue, Not(HasSubstr(named(backend.port()))));
}

TEST(ServeInboundBackends, AStoppedBackendsMailGoesToTheOtherAtOnce) {
  BehaviourSink alive;
  unsigned short stopped = free_tcp_port();  // nothing listens there: connections are refused
  DaemonOptions options;
  options.delivery = "retry_initial = \"1h\"\n";  // a deferral would hold the mail for an hour
  options.extra = backends_at({stopped, alive.port()});
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(send_inbound(daemon, "failover " + std::to_string(i)).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return alive.messages().size() == 4; })) << daemon.log();
  ASSERT_TRUE(eventually([&] { return count_result(daemon, "delivered") == 4; })) << daemon.log();
  EXPECT_EQ(count_result(daemon, "deferred"), 0u);
  EXPECT_THAT(daemon.log(), HasSubstr("delivery.backend_failed"));
  EXPECT_TRUE(daemon.wait_for_empty_queue(10s));
}

TEST(ServeInboundBackends, MailHeldThroughAnOutageAndAKill9IsDeliveredOnceWhenTheBackendsReturn) {
  unsigned short port_a = free_tcp_port(), port_b = free_tcp_port();
  DaemonOptions options;
  options.delivery = "retry_initial = \"1s\"\nretry_max = \"2s\"\n";
  options.extra = backends_at({port_a, port_b});
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  std::set<std::string> sent;
  for (int i = 0; i < 5; ++i) {
    sent.insert("held " + std::to_string(i));
    ASSERT_EQ(send_inbound(daemon, "held " + std::to_string(i)).exit_code, 0);
  }
  ASSERT_TRUE(eventually([&] { return count_result(daemon, "deferred") >= 5; })) << daemon.log();

  auto held = daemon.relayctl({"queue", "list", "--domain", "local.test"});
  ASSERT_EQ(held.exit_code, 0) << held.err;
  EXPECT_THAT(held.out, HasSubstr("5 message(s) held for local.test"));
  auto other = daemon.relayctl({"queue", "list", "--domain", "example.org", "--json"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(nlohmann::json::parse(other.out).size(), 0u);

  // relayctl dies in the outage; the held mail is in the spool, and the restarted daemon keeps trying.
  daemon.kill9();
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_TRUE(eventually([&] {
    auto again = daemon.relayctl({"queue", "list", "--domain", "local.test", "--json"});
    return again.exit_code == 0 && nlohmann::json::parse(again.out).size() == 5;
  }));

  BehaviourSink a({}, port_a), b({}, port_b);
  ASSERT_TRUE(eventually([&] { return a.messages().size() + b.messages().size() >= 5; }, 30s))
      << daemon.log();
  EXPECT_TRUE(daemon.wait_for_empty_queue(15s)) << daemon.log();
  std::multiset<std::string> arrived;
  for (const auto* sink : {&a, &b})
    for (const auto& subject : subjects(sink->messages()))
      arrived.insert(subject);
  EXPECT_EQ(arrived, std::multiset<std::string>(sent.begin(), sent.end()));  // each exactly once
}

// Past its hold time the mail bounces; the DSN says the domain's servers did not answer, never where they
// are.
TEST(ServeInboundBackends, TheBounceAfterTheHoldNamesNoBackend) {
  unsigned short down = free_tcp_port();
  BehaviourSink outbound;
  DaemonOptions options;
  options.delivery = "retry_initial = \"1s\"\nretry_max = \"1s\"\nmax_queue_lifetime = \"1h\"\n";
  options.extra = "max_queue_lifetime = \"3s\"\n" + backends_at({down}) + route_all_to(outbound.port());
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(send_inbound(daemon, "too late").exit_code, 0);
  ASSERT_TRUE(eventually([&] { return !outbound.messages().empty(); })) << daemon.log();
  auto dsn = outbound.messages()[0];
  dsn.data = unfolded(dsn.data);
  EXPECT_EQ(dsn.recipients, std::vector<std::string>{"someone@example.com"});
  EXPECT_THAT(dsn.data, HasSubstr("Status: 4.4.7"));
  EXPECT_THAT(dsn.data, HasSubstr("the mail servers of local.test did not answer"));
  EXPECT_THAT(dsn.data, Not(HasSubstr(named(down))));
  EXPECT_THAT(dsn.data, Not(HasSubstr("]:" + std::to_string(down))));
  EXPECT_THAT(dsn.data, Not(HasSubstr("Remote-MTA")));
}

}  // namespace
