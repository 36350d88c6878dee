// `relayctl serve` end to end: mail relayed in over SMTP is delivered by the daemon to a receiving server
// on loopback (a static route), a refused recipient comes back to the sender as a DSN, every attempt is a
// line in the accounting log, and mail that could not go out resumes after the daemon restarts.
#include <csignal>
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/behaviour_sink.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

RunResult relay_in(const SmtpDaemon& daemon, std::vector<std::string> recipients) {
  std::vector<std::string> args{"swaks",
                                "--server",
                                "127.0.0.1:" + std::to_string(daemon.relay_port()),
                                "--from",
                                "a@example.com",
                                "--timeout",
                                "20",
                                "--hide-informational",
                                "--header",
                                "Subject: serve delivery test"};
  std::string to;
  for (const auto& r : recipients)
    to += (to.empty() ? "" : ",") + r;
  args.insert(args.end(), {"--to", to});
  return run(args);
}

TEST(ServeDelivery, RelayedMailIsDeliveredAndRefusalsBounce) {
  BehaviourSink sink;
  SmtpDaemon daemon(delivering_to(sink.port()));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto sent = relay_in(daemon, {"accept@dest.test", "reject@dest.test"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();

  auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 2u);
  const auto& original = messages[0].sender.empty() ? messages[1] : messages[0];
  const auto& dsn = messages[0].sender.empty() ? messages[0] : messages[1];
  EXPECT_EQ(original.recipients, std::vector<std::string>{"accept@dest.test"});
  EXPECT_THAT(original.data, HasSubstr("Subject: serve delivery test"));
  EXPECT_THAT(original.data, HasSubstr("Received: from "));
  EXPECT_EQ(dsn.recipients, std::vector<std::string>{"a@example.com"});
  EXPECT_THAT(dsn.data, HasSubstr("Final-Recipient: rfc822; reject@dest.test"));
  EXPECT_THAT(dsn.data, HasSubstr("Reporting-MTA: dns; mx.test"));

  std::map<std::string, std::string> results;
  for (const auto& line : daemon.accounting())
    results[line["recipient"]] = line["result"];
  EXPECT_EQ(results["accept@dest.test"], "delivered");
  EXPECT_EQ(results["reject@dest.test"], "bounced");
  EXPECT_EQ(results["a@example.com"], "delivered");  // the DSN
}

TEST(ServeDelivery, DeferredMailIsDeliveredAfterARestart) {
  unsigned short port = free_tcp_port();  // nothing listens there yet
  DaemonOptions daemon_options;
  daemon_options.delivery = "retry_initial = \"1h\"\n";
  daemon_options.extra = route_all_to(port);
  SmtpDaemon daemon(daemon_options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(relay_in(daemon, {"accept@dest.test"}).exit_code, 0);
  eventually([&] { return !daemon.accounting().empty(); }, 10s);
  auto lines = daemon.accounting();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["result"], "deferred");
  EXPECT_THAT(lines[0]["reply"].get<std::string>(), HasSubstr("connect"));
  ASSERT_TRUE(daemon.kill9());

  // A receiving server appears at that port; after the restart, a flush sends the mail at once.
  BehaviourSinkOptions options;
  BehaviourSink sink(options, port);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  EXPECT_EQ(daemon.queued_ids().size(), 1u);
  EXPECT_EQ(daemon.relayctl({"queue", "flush"}).exit_code, 0);
  ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(sink.messages()[0].recipients, std::vector<std::string>{"accept@dest.test"});
}

// SIGTERM while a delivery is in its transaction: the daemon lets the transaction finish (the receiving
// server is slow to answer RCPT), records its outcome and exits 0, so the message is neither lost nor sent
// twice after a restart.
TEST(ServeDelivery, SigtermLetsADeliveryInProgressFinish) {
  BehaviourSink sink;
  SmtpDaemon daemon(delivering_to(sink.port()));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(relay_in(daemon, {"slow@dest.test"}).exit_code, 0);
  auto in_transaction = [&] {  // the sink has the RCPT and holds its reply for 3 s
    for (const auto& e : sink.events())
      if (e["kind"] == "holding") return true;
    return false;
  };
  ASSERT_TRUE(eventually(in_transaction, 10s)) << daemon.log();
  ASSERT_TRUE(sink.messages().empty());

  EXPECT_EQ(daemon.stop(SIGTERM), 0) << daemon.log();
  ASSERT_EQ(sink.messages().size(), 1u) << daemon.log();
  EXPECT_EQ(sink.messages()[0].recipients, std::vector<std::string>{"slow@dest.test"});
  auto lines = daemon.accounting();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["result"], "delivered");
  EXPECT_THAT(daemon.log(), HasSubstr("serve.delivery_stopped"));

  ASSERT_TRUE(daemon.start()) << daemon.log();
  EXPECT_TRUE(daemon.queued_ids().empty());
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(sink.messages().size(), 1u);  // not sent again
}

// [delivery] rate_limit_pause through `relayctl serve`: a rate-limiting reply pauses the destination for
// the configured time, and the log says so.
TEST(ServeDelivery, RateLimitPauseComesFromTheConfig) {
  BehaviourSink sink;
  SmtpDaemon daemon(delivering_to(sink.port(), "rate_limit_pause = \"7s\"\nrate_limit_pause_max = \"1m\"\n"));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(relay_in(daemon, {"ratelimit@dest.test"}).exit_code, 0);
  eventually([&] { return daemon.log().find("delivery.rate_limited") != std::string::npos; }, 10s);
  EXPECT_THAT(daemon.log(), HasSubstr("pause_seconds=7"));
}

// SIGHUP reloads [delivery]: a deferred message goes out through the route the new configuration gives,
// and a change that only a restart applies ([admin]) is named in the log.
TEST(ServeDelivery, SighupReloadsRoutesAndNamesWhatNeedsARestart) {
  unsigned short down = free_tcp_port();
  BehaviourSink sink;
  DaemonOptions options;
  options.delivery = "retry_initial = \"1h\"\n";
  options.extra = route_all_to(down);
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(relay_in(daemon, {"accept@dest.test"}).exit_code, 0);
  eventually([&] { return !daemon.accounting().empty(); }, 10s);
  ASSERT_EQ(daemon.accounting().size(), 1u) << daemon.log();

  ASSERT_TRUE(
      daemon.edit_config("127.0.0.1:" + std::to_string(down), "127.0.0.1:" + std::to_string(sink.port())));
  ASSERT_TRUE(daemon.edit_config("metrics_listen = \"\"",
                                 "metrics_listen = \"127.0.0.1:" + std::to_string(free_tcp_port()) + "\""));
  ASSERT_TRUE(daemon.reload()) << daemon.log();
  EXPECT_THAT(daemon.log(), HasSubstr("serve.restart_needed changed=admin"));
  EXPECT_EQ(daemon.relayctl({"queue", "flush"}).exit_code, 0);
  ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(daemon.accounting().back()["destination"], "route:127.0.0.1:" + std::to_string(sink.port()));
}

// [[delivery.shaping]] require_tls for one MX-routed (here: route "*") domain: its mail is deferred by a
// server without STARTTLS, while another domain's mail to the same server goes out in plaintext.
TEST(ServeDelivery, ShapingRequireTlsHoldsBackOnlyThatDomain) {
  BehaviourSink sink;  // no STARTTLS
  DaemonOptions options = delivering_to(sink.port(), "retry_initial = \"1h\"\n");
  options.extra += "[[delivery.shaping]]\nmatch = \"secure.test\"\nrequire_tls = true\n";
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(relay_in(daemon, {"accept@secure.test", "accept@other.test"}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return daemon.accounting().size() >= 2; }, 10s)) << daemon.log();
  std::map<std::string, nlohmann::json> lines;
  for (const auto& line : daemon.accounting())
    lines[line["recipient"]] = line;
  EXPECT_EQ(lines["accept@other.test"]["result"], "delivered");
  EXPECT_EQ(lines["accept@secure.test"]["result"], "deferred");
  EXPECT_THAT(lines["accept@secure.test"]["reply"].get<std::string>(), HasSubstr("TLS is required"));
  EXPECT_THAT(lines["accept@secure.test"]["destination"].get<std::string>(), ::testing::EndsWith("|tls"));
  auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].recipients, std::vector<std::string>{"accept@other.test"});
}

// SIGHUP reloads [dns]: a route whose next hop is a host name could not be resolved while the configured
// nameserver was down; after pointing [dns] at one that answers, the mail goes out.
TEST(ServeDelivery, SighupReloadsTheNameservers) {
  BehaviourSink sink;
  NsdServer nsd{{Zone{"relay.test", "sink A 127.0.0.1\n"}}};
  unsigned short dead = free_udp_port();
  DaemonOptions options;
  options.dns = "nameservers = [\"127.0.0.1:" + std::to_string(dead) + "\"]\ntimeout = \"1s\"\n";
  options.delivery = "retry_initial = \"1h\"\n";
  options.extra =
      "[[delivery.route]]\ndomain = \"*\"\nnext_hop = \"sink.relay.test:" + std::to_string(sink.port()) +
      "\"\n";
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(relay_in(daemon, {"accept@dest.test"}).exit_code, 0);
  ASSERT_TRUE(eventually([&] { return !daemon.accounting().empty(); }, 15s)) << daemon.log();
  EXPECT_EQ(daemon.accounting()[0]["result"], "deferred");
  EXPECT_THAT(daemon.accounting()[0]["reply"].get<std::string>(), HasSubstr("sink.relay.test"));

  ASSERT_TRUE(daemon.edit_config("127.0.0.1:" + std::to_string(dead), nsd.address()));
  ASSERT_TRUE(daemon.reload()) << daemon.log();
  EXPECT_THAT(daemon.log(), Not(HasSubstr("serve.restart_needed")));
  EXPECT_EQ(daemon.relayctl({"queue", "flush"}).exit_code, 0);
  ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();
  ASSERT_EQ(sink.messages().size(), 1u);
}

// [delivery] delay_warning_after through `relayctl serve`: mail that keeps being deferred gets its sender
// one "delayed" DSN, the queue shows the message as warned, and it stays queued until it expires.
TEST(ServeDelivery, DelayedMailWarnsTheSenderOnce) {
  BehaviourSink sink;
  SmtpDaemon daemon(delivering_to(
      sink.port(), "retry_initial = \"1s\"\nretry_max = \"1s\"\ndelay_warning_after = \"2s\"\n"));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(relay_in(daemon, {"tempfail@dest.test"}).exit_code, 0);
  auto warnings = [&] {
    std::vector<BehaviourSink::Stored> out;
    for (const auto& m : sink.messages())
      if (m.data.find("Action: delayed") != std::string::npos) out.push_back(m);
    return out;
  };
  eventually([&] { return !warnings().empty(); }, 20s);
  ASSERT_EQ(warnings().size(), 1u) << daemon.log();
  EXPECT_EQ(warnings()[0].recipients, std::vector<std::string>{"a@example.com"});
  EXPECT_THAT(warnings()[0].data, HasSubstr("Final-Recipient: rfc822; tempfail@dest.test"));
  EXPECT_THAT(warnings()[0].data, HasSubstr("Reporting-MTA: dns; mx.test"));

  std::this_thread::sleep_for(2500ms);  // more deferrals, no second warning
  EXPECT_EQ(warnings().size(), 1u);
  auto ids = daemon.queued_ids();
  ASSERT_EQ(ids.size(), 1u);
  auto shown = daemon.relayctl({"queue", "show", ids[0], "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_TRUE(nlohmann::json::parse(shown.out)["delay_warned"].get<bool>()) << shown.out;
}

}  // namespace
