// Mail for a relay domain never leaves by route or MX, whichever listener took it: the domain's MX is
// relayctl itself, so that would be a mail loop. Through the real `relayctl serve`: an AUTH user on
// submission and a trusted client on relay send to the domain, and the mail reaches its backend, not the
// "*" route. And the loop guard (RFC 5321 §6.3): a message already carrying more than max_own_received
// of our Received fields is refused with 554 5.4.6; a real loop (every domain routed back to our own relay
// listener) ends in a 5.4.6 bounce after a bounded number of passes instead of going round forever.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/behaviour_sink.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

DaemonOptions backend_and_route(unsigned short backend_port, unsigned short outbound_port) {
  DaemonOptions options;
  options.plaintext_auth_on_loopback = true;
  options.extra =
      "[[inbound.backend]]\ndomain = \"local.test\"\nnext_hop = \"127.0.0.1:" + std::to_string(backend_port) +
      "\"\n" + route_all_to(outbound_port);
  return options;
}

TEST(RelayDomain, SubmittedMailForARelayDomainGoesToItsBackend) {
  BehaviourSink backend, outbound;
  SmtpDaemon daemon(backend_and_route(backend.port(), outbound.port()));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto sent = swaks({"--server", "127.0.0.1:" + std::to_string(daemon.submission_port()), "--auth", "PLAIN",
                     "--auth-user", "alice", "--auth-password", "secret", "--from", "a@example.com", "--to",
                     "colleague@local.test,friend@far.test", "--data",
                     "From: <a@example.com>\r\nSubject: submitted\r\n\r\nbody\r\n"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  ASSERT_TRUE(eventually([&] { return !backend.messages().empty() && !outbound.messages().empty(); }))
      << daemon.log();
  EXPECT_EQ(backend.messages()[0].recipients, std::vector<std::string>{"colleague@local.test"});
  EXPECT_EQ(outbound.messages()[0].recipients, std::vector<std::string>{"friend@far.test"});
  EXPECT_EQ(backend.messages().size(), 1u);
  EXPECT_EQ(outbound.messages().size(), 1u);
}

TEST(RelayDomain, TrustedRelayMailForARelayDomainGoesToItsBackend) {
  BehaviourSink backend, outbound;
  SmtpDaemon daemon(backend_and_route(backend.port(), outbound.port()));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto sent = swaks({"--server", "127.0.0.1:" + std::to_string(daemon.relay_port()), "--from",
                     "app@example.com", "--to", "reader@local.test", "--header", "Subject: relayed"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  ASSERT_TRUE(eventually([&] { return !backend.messages().empty(); })) << daemon.log();
  EXPECT_EQ(backend.messages()[0].recipients, std::vector<std::string>{"reader@local.test"});
  EXPECT_TRUE(outbound.messages().empty());
  // The sink has the message before the daemon has read its 250 and written the accounting line.
  ASSERT_TRUE(eventually([&] { return !daemon.accounting().empty(); })) << daemon.log();
  auto lines = daemon.accounting();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["destination"], "backend:local.test");
  EXPECT_EQ(lines[0]["mx_host"], "127.0.0.1:" + std::to_string(backend.port()));
}

std::string our_received(int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out +=
        "Received: from relay.test ([192.0.2.1])\r\n\tby mx.test with ESMTP\r\n\tfor <reader@local.test>; "
        "Sun, 6 Dec 2026 09:00:00 +0000\r\n";
  return out;
}

TEST(RelayDomain, AMessageThatPassedUsTooOftenIsRefusedAsALoop) {
  BehaviourSink backend;
  DaemonOptions options;
  options.limits = "max_own_received = 3\n";
  options.extra = "[[inbound.backend]]\ndomain = \"local.test\"\nnext_hop = \"127.0.0.1:" +
                  std::to_string(backend.port()) + "\"\n";
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  std::string server = "127.0.0.1:" + std::to_string(daemon.inbound_port());
  auto looped = swaks({"--server", server, "--from", "a@sender.test", "--to", "reader@local.test", "--data",
                       our_received(4) + "Subject: looped\r\n\r\nbody\r\n"});
  EXPECT_NE(looped.exit_code, 0);
  EXPECT_THAT(looped.out, HasSubstr("554 5.4.6 Too many hops: mail loop detected"));
  auto fine = swaks({"--server", server, "--from", "a@sender.test", "--to", "reader@local.test", "--data",
                     our_received(3) + "Subject: forwarded thrice\r\n\r\nbody\r\n"});
  EXPECT_EQ(fine.exit_code, 0) << fine.out;
  ASSERT_TRUE(eventually([&] { return !backend.messages().empty(); })) << daemon.log();
  EXPECT_EQ(backend.messages().size(), 1u);
  EXPECT_THAT(backend.messages()[0].data, HasSubstr("Subject: forwarded thrice"));
}

// Every domain routed to our own relay listener: each pass adds a Received by us, the pass after
// max_own_received is refused with 554 5.4.6 and the message bounces, instead of circling forever.
TEST(RelayDomain, ARealLoopEndsInA546Bounce) {
  DaemonOptions options;
  options.limits = "max_own_received = 3\n";
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.edit_config("[inbound]", route_all_to(daemon.relay_port()) + "[inbound]"));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  SmtpClient client;  // the null sender, so that the bounce itself goes nowhere
  ASSERT_TRUE(client.connect(daemon.relay_port()));
  client.reply();
  client.command("EHLO app.test");
  ASSERT_THAT(client.command("MAIL FROM:<>"), HasSubstr("250"));
  ASSERT_THAT(client.command("RCPT TO:<someone@far.test>"), HasSubstr("250"));
  ASSERT_THAT(client.command("DATA"), HasSubstr("354"));
  ASSERT_THAT(client.command("Subject: round and round\r\n\r\nhi\r\n."), HasSubstr("250 2.0.0"));
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& line : daemon.accounting())
          if (line["result"] == "bounced") return true;
        return false;
      },
      30s))
      << daemon.log();
  ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();
  auto lines = daemon.accounting();
  unsigned delivered = 0, bounced = 0;
  for (const auto& line : lines) {
    if (line["result"] == "delivered") ++delivered;
    if (line["result"] == "bounced") {
      ++bounced;
      EXPECT_THAT(line["reply"].get<std::string>(), HasSubstr("5.4.6")) << line.dump();
    }
  }
  EXPECT_EQ(delivered, 3u);  // three passes accepted (one, two, three of ours); the fourth carries four
  EXPECT_EQ(bounced, 1u);
}

}  // namespace
