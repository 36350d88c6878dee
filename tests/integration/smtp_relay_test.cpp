// A closed relay, always: without AUTH, only clients in trusted_networks may send to outside domains;
// everyone else gets 554 5.7.1 for them (and may still send to the relay domains). The inbound listener
// relays for nobody. Real peers: swaks from 127.0.0.1 (untrusted here) and from 127.0.0.2 (trusted).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

DaemonOptions only_127_0_0_2_trusted() {
  DaemonOptions options;
  options.extra_server = "trusted_networks = [\"127.0.0.2/32\"]\n";
  return options;
}

TEST(Relay, UntrustedClientCannotRelayButTrustedCan) {
  SmtpDaemon daemon(only_127_0_0_2_trusted());
  ASSERT_TRUE(daemon.start()) << daemon.log();
  std::string server = "127.0.0.1:" + std::to_string(daemon.relay_port());

  auto refused = swaks({"--server", server, "--from", "a@example.com", "--to", "victim@far.test"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.out, HasSubstr("554 5.7.1 Relay access denied"));

  // A relay domain's mail from a stranger meets the inbound chain on this listener too: greylisted first.
  auto local = swaks({"--server", server, "--from", "a@example.com", "--to", "user@local.test"});
  EXPECT_NE(local.exit_code, 0);
  EXPECT_THAT(local.out, HasSubstr("451 4.7.1 Greylisted"));

  auto trusted = swaks({"--server", server, "--local-interface", "127.0.0.2", "--from", "a@example.com",
                        "--to", "someone@far.test"});
  EXPECT_EQ(trusted.exit_code, 0) << trusted.out;
  EXPECT_EQ(daemon.queued_ids().size(), 1u);
}

TEST(Relay, InboundListenerRelaysForNobodyAndRoutesToBackends) {
  DaemonOptions options;
  options.extra = "[[inbound.backend]]\ndomain = \"local.test\"\nnext_hop = \"127.0.0.1:2525\"\n";
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.inbound_port()));
  client.reply();
  auto ehlo = client.command("EHLO sender.test");
  EXPECT_THAT(ehlo, ::testing::Not(HasSubstr("AUTH")));
  EXPECT_THAT(client.command("MAIL FROM:<a@sender.test>"), HasSubstr("250"));
  EXPECT_THAT(client.command("RCPT TO:<x@far.test>"), HasSubstr("554 5.7.1 Relay access denied"));
  EXPECT_THAT(client.command("RCPT TO:<user@local.test>"), HasSubstr("250"));
  EXPECT_THAT(client.command("DATA"), HasSubstr("354"));
  EXPECT_THAT(client.command("Subject: in\r\n\r\nhi\r\n."), HasSubstr("250 2.0.0 Ok: queued as"));
  auto list = daemon.relayctl({"queue", "list", "--json"});
  EXPECT_THAT(list.out, HasSubstr("\"route\": \"backend\""));
  EXPECT_THAT(list.out, HasSubstr("\"route_target\": \"local.test\""));
}

}  // namespace
