// Egress IP pools end to end: `relayctl serve` delivers relayed mail over a static route to a behaviour sink
// on 127.0.0.1 from the sources of a pool (bound to 127.0.0.2 and 127.0.0.3, weights 3:1), each with its
// EHLO name; senders choose their pool; a source whose address is not on this host (192.0.2.1, so nothing
// leaves the machine) defers the mail with a clear accounting line and log message, until the
// configuration corrects it and a SIGHUP reloads it. The sink records each
// message's client address and EHLO name; the accounting log says which source each recipient left from.
#include <fstream>
#include <map>
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

std::string source(const std::string& name, const std::string& address, const std::string& ehlo = "") {
  std::string toml = "[[delivery.source]]\nname = \"" + name + "\"\naddress = \"" + address + "\"\n";
  if (!ehlo.empty()) toml += "ehlo = \"" + ehlo + "\"\n";
  return toml;
}

RunResult relay_in(const SmtpDaemon& daemon, const std::string& from, const std::string& to) {
  return run({"swaks", "--server", "127.0.0.1:" + std::to_string(daemon.relay_port()), "--from", from, "--to",
              to, "--timeout", "20", "--hide-informational", "--header", "Subject: egress pools test"});
}

TEST(ServeEgressPools, PoolSourcesShareTrafficByWeightWithTheirEhloNames) {
  BehaviourSink sink;
  DaemonOptions options;
  options.delivery = "default_pool = \"main\"\n";
  options.extra = source("a", "127.0.0.2", "a.relay.test") + source("b", "127.0.0.3") +
                  "[[delivery.pool]]\nname = \"main\"\n"
                  "sources = [{ name = \"a\", weight = 3 }, { name = \"b\", weight = 1 }]\n" +
                  route_all_to(sink.port());
  SmtpDaemon daemon(options);
  // Connections to the sink before this moment are its own readiness probe (from 127.0.0.1).
  double started = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ASSERT_TRUE(daemon.start()) << daemon.log();
  constexpr int kMessages = 8;
  for (int i = 0; i < kMessages; ++i) {
    auto sent = relay_in(daemon, "news@example.com", "accept" + std::to_string(i) + "@dest.test");
    ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  }
  ASSERT_TRUE(daemon.wait_for_empty_queue(30s)) << daemon.log();

  // The sink saw 6 messages from 127.0.0.2 saying EHLO a.relay.test, 2 from 127.0.0.3 saying the server's
  // hostname (b names no EHLO of its own).
  std::map<std::string, int> by_peer;
  std::map<std::string, std::string> peer_of;  // recipient -> the address its message came from
  for (const auto& message : sink.messages()) {
    ++by_peer[message.peer];
    EXPECT_EQ(message.helo, message.peer == "127.0.0.2" ? "a.relay.test" : "mx.test") << message.peer;
    for (const auto& recipient : message.recipients)
      peer_of[recipient] = message.peer;
  }
  EXPECT_EQ(by_peer["127.0.0.2"], 6);
  EXPECT_EQ(by_peer["127.0.0.3"], 2);
  EXPECT_EQ(by_peer.size(), 2u);

  // The accounting log names the source and its address, and it is the address the sink saw.
  auto lines = daemon.accounting();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kMessages));
  std::map<std::string, int> by_source;
  for (const auto& line : lines) {
    EXPECT_EQ(line["result"], "delivered");
    ++by_source[line["egress_source"].get<std::string>()];
    EXPECT_EQ(line["egress_ip"], line["egress_source"] == "a" ? "127.0.0.2" : "127.0.0.3");
    EXPECT_EQ(line["egress_ip"], peer_of[line["recipient"].get<std::string>()]) << line.dump();
    EXPECT_EQ(line["mx_ip"], "127.0.0.1");
  }
  EXPECT_EQ(by_source["a"], 6);
  EXPECT_EQ(by_source["b"], 2);

  // Connections were reused within each source, never across: no more connections than messages, and
  // every connection came from one of the pool's addresses.
  int connections = 0;
  for (const auto& event : sink.events())
    if (event["kind"] == "connect" && event["time"].get<double>() >= started) {
      ++connections;
      EXPECT_THAT(event["peer"].get<std::string>(),
                  ::testing::AnyOf(HasSubstr("'127.0.0.2'"), HasSubstr("'127.0.0.3'")));
    }
  EXPECT_GE(connections, 2);
  EXPECT_LE(connections, kMessages);
}

TEST(ServeEgressPools, SendersChooseTheirPool) {
  BehaviourSink sink;
  DaemonOptions options;
  options.extra = source("a", "127.0.0.2", "a.relay.test") + source("b", "127.0.0.3", "b.relay.test") +
                  "[[delivery.pool]]\nname = \"pa\"\nsources = [{ name = \"a\" }]\n"
                  "[[delivery.pool]]\nname = \"pb\"\nsources = [{ name = \"b\" }]\n"
                  "[[delivery.sender_pool]]\nsender = \"example.com\"\npool = \"pa\"\n"
                  "[[delivery.sender_pool]]\nsender = \"news@example.com\"\npool = \"pb\"\n" +
                  route_all_to(sink.port());
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(relay_in(daemon, "billing@example.com", "accept1@dest.test").exit_code, 0);
  ASSERT_EQ(relay_in(daemon, "news@example.com", "accept2@dest.test").exit_code, 0);
  ASSERT_EQ(relay_in(daemon, "someone@other.test", "accept3@dest.test").exit_code, 0);  // no pool
  ASSERT_TRUE(daemon.wait_for_empty_queue(30s)) << daemon.log();

  std::map<std::string, BehaviourSink::Stored> by_recipient;
  for (const auto& message : sink.messages())
    by_recipient[message.recipients.at(0)] = message;
  ASSERT_EQ(by_recipient.size(), 3u);
  EXPECT_EQ(by_recipient["accept1@dest.test"].peer, "127.0.0.2");
  EXPECT_EQ(by_recipient["accept1@dest.test"].helo, "a.relay.test");
  EXPECT_EQ(by_recipient["accept2@dest.test"].peer, "127.0.0.3");
  EXPECT_EQ(by_recipient["accept2@dest.test"].helo, "b.relay.test");
  // Without a pool the OS picks the address (127.0.0.1 towards 127.0.0.1) and EHLO is [server] hostname.
  EXPECT_EQ(by_recipient["accept3@dest.test"].peer, "127.0.0.1");
  EXPECT_EQ(by_recipient["accept3@dest.test"].helo, "mx.test");

  std::map<std::string, nlohmann::json> lines;
  for (const auto& line : daemon.accounting())
    lines[line["recipient"]] = line;
  EXPECT_EQ(lines["accept1@dest.test"]["egress_source"], "a");
  EXPECT_EQ(lines["accept2@dest.test"]["egress_source"], "b");
  EXPECT_EQ(lines["accept3@dest.test"]["egress_source"], "");
  EXPECT_EQ(lines["accept3@dest.test"]["egress_ip"], "127.0.0.1");
}

TEST(ServeEgressPools, ASourceNotOnThisHostDefersWithAClearReasonUntilSighupCorrectsIt) {
  BehaviourSink sink;
  DaemonOptions options;
  options.delivery = "default_pool = \"far\"\nretry_initial = \"1h\"\n";
  options.extra = source("remote", "192.0.2.1", "remote.relay.test") +
                  "[[delivery.pool]]\nname = \"far\"\nsources = [{ name = \"remote\" }]\n" +
                  route_all_to(sink.port());
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(relay_in(daemon, "news@example.com", "accept@dest.test").exit_code, 0);
  eventually([&] { return !daemon.accounting().empty(); }, 10s);
  auto lines = daemon.accounting();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["result"], "deferred");
  EXPECT_EQ(lines[0]["egress_source"], "remote");
  EXPECT_EQ(lines[0]["egress_ip"], "192.0.2.1");
  EXPECT_EQ(lines[0]["enhanced_code"], "4.3.5");
  EXPECT_EQ(lines[0]["mx_host"], "");  // no connection was made
  auto reply = lines[0]["reply"].get<std::string>();
  EXPECT_THAT(reply, HasSubstr("egress source remote (192.0.2.1)"));
  EXPECT_THAT(reply, HasSubstr("is the address configured on this host?"));
  // Once at start, and again for the attempt, naming the destination.
  EXPECT_THAT(daemon.log(), HasSubstr("delivery.source_unusable source=remote address=192.0.2.1 error="));
  EXPECT_THAT(daemon.log(),
              HasSubstr("delivery.source_unusable source=remote address=192.0.2.1 destination="));

  // The daemon keeps running, the message stays queued, and nothing reached the sink.
  EXPECT_EQ(daemon.queued_ids().size(), 1u);
  EXPECT_TRUE(sink.messages().empty());
  EXPECT_EQ(relay_in(daemon, "news@example.com", "accept2@dest.test").exit_code, 0);

  // SIGHUP reloads the pools: once the source's address is corrected, the mail it held leaves from it.
  ASSERT_TRUE(daemon.edit_config("address = \"192.0.2.1\"", "address = \"127.0.0.2\""));
  ASSERT_TRUE(daemon.reload()) << daemon.log();
  EXPECT_EQ(daemon.relayctl({"queue", "flush"}).exit_code, 0);
  ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();
  auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 2u);
  for (const auto& m : messages) {
    EXPECT_EQ(m.peer, "127.0.0.2");
    EXPECT_EQ(m.helo, "remote.relay.test");
  }
  EXPECT_EQ(daemon.accounting().back()["egress_ip"], "127.0.0.2");
  EXPECT_EQ(daemon.stop(), 0);
}

}  // namespace
