// Untrusted routing in the local part (user%host@domain, host!user@domain, "user@host"@domain) through the
// real `relayctl serve`: refused with 554 5.7.1 on the inbound and relay listeners for clients that are
// neither authenticated nor trusted, because a backend that honours it would relay for them; accepted
// from trusted clients, and from anyone for a backend with allow_untrusted_routing. Source routes are
// ignored (RFC 5321 Appendix C): they never name the next hop. Peers: raw SMTP from 127.0.0.1 (untrusted)
// and 127.0.0.2 (trusted), a behaviour sink as the customer's backend.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/behaviour_sink.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

DaemonOptions with_backend(unsigned short backend_port, const std::string& backend_extra = "") {
  DaemonOptions options;
  options.extra_server = "trusted_networks = [\"127.0.0.2/32\"]\n";
  options.extra =
      "[[inbound.domain]]\nname = \"local.test\"\ngreylist = false\n"
      "[[inbound.backend]]\ndomain = \"local.test\"\nnext_hop = \"127.0.0.1:" + std::to_string(backend_port) +
      "\"\n" + backend_extra;
  return options;
}

// Opens a session and starts a transaction; the RCPT replies are the test's.
void begin(SmtpClient& client, unsigned short port, const std::string& source = "") {
  ASSERT_TRUE(client.connect(port, source));
  ASSERT_THAT(client.reply(), HasSubstr("220"));
  ASSERT_THAT(client.command("EHLO sender.test"), HasSubstr("250"));
  ASSERT_THAT(client.command("MAIL FROM:<someone@sender.test>"), HasSubstr("250 2.1.0"));
}

const std::vector<std::string> kRouted = {"user%foreign.test@local.test", "foreign.test!user@local.test",
                                          "\"user@foreign.test\"@local.test",
                                          "\"user%foreign.test\"@local.test"};

TEST(UntrustedRouting, RefusedOnInboundAndRelayListenersForUntrustedClients) {
  BehaviourSink backend;
  SmtpDaemon daemon(with_backend(backend.port()));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  for (auto port : {daemon.inbound_port(), daemon.relay_port()}) {
    SmtpClient client;
    begin(client, port);
    for (const auto& rcpt : kRouted)
      EXPECT_THAT(client.command("RCPT TO:<" + rcpt + ">"),
                  HasSubstr("554 5.7.1 Relay access denied: routing in the local part"))
          << rcpt << " on port " << port;
    EXPECT_THAT(client.command("DATA"), HasSubstr("503"));
  }
  EXPECT_TRUE(daemon.queued_ids().empty());
  EXPECT_TRUE(backend.messages().empty());
}

// A source route is not a relay: the route is dropped, the mailbox decides.
TEST(UntrustedRouting, SourceRoutesAreIgnoredNotFollowed) {
  BehaviourSink backend;
  SmtpDaemon daemon(with_backend(backend.port()));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  SmtpClient client;
  begin(client, daemon.inbound_port());
  EXPECT_THAT(client.command("RCPT TO:<@local.test:user@foreign.test>"), HasSubstr("554 5.7.1"));
  EXPECT_THAT(client.command("RCPT TO:<@foreign.test,@other.test:user@local.test>"), HasSubstr("250"));
  EXPECT_THAT(client.command("DATA"), HasSubstr("354"));
  EXPECT_THAT(client.command("Subject: routed\r\n\r\nhi\r\n."), HasSubstr("250 2.0.0"));
  ASSERT_TRUE(eventually([&] { return !backend.messages().empty(); })) << daemon.log();
  EXPECT_EQ(backend.messages()[0].recipients, std::vector<std::string>{"user@local.test"});
}

TEST(UntrustedRouting, TrustedClientsMayRouteInTheLocalPart) {
  BehaviourSink backend;
  SmtpDaemon daemon(with_backend(backend.port()));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  SmtpClient client;
  begin(client, daemon.relay_port(), "127.0.0.2");
  EXPECT_THAT(client.command("RCPT TO:<user%foreign.test@local.test>"), HasSubstr("250 2.1.5"));
  EXPECT_THAT(client.command("DATA"), HasSubstr("354"));
  EXPECT_THAT(client.command("Subject: trusted\r\n\r\nhi\r\n."), HasSubstr("250 2.0.0"));
  ASSERT_TRUE(eventually([&] { return !backend.messages().empty(); })) << daemon.log();
  EXPECT_EQ(backend.messages()[0].recipients, std::vector<std::string>{"user%foreign.test@local.test"});
}

// The switch for the rare backend that needs such addresses: per relay domain, in its backend.
TEST(UntrustedRouting, AllowedPerBackendReachesItUnchanged) {
  BehaviourSink backend;
  SmtpDaemon daemon(with_backend(backend.port(), "allow_untrusted_routing = true\n"));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  SmtpClient client;
  begin(client, daemon.inbound_port());
  EXPECT_THAT(client.command("RCPT TO:<host!user@local.test>"), HasSubstr("250 2.1.5"));
  EXPECT_THAT(client.command("RCPT TO:<user%foreign.test@far.test>"),
              HasSubstr("554 5.7.1 Relay access denied"));
  EXPECT_THAT(client.command("DATA"), HasSubstr("354"));
  EXPECT_THAT(client.command("Subject: allowed\r\n\r\nhi\r\n."), HasSubstr("250 2.0.0"));
  ASSERT_TRUE(eventually([&] { return !backend.messages().empty(); })) << daemon.log();
  EXPECT_EQ(backend.messages()[0].recipients, std::vector<std::string>{"host!user@local.test"});
}

}  // namespace
