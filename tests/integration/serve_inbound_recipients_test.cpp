// The cloaking side's RCPT checks through `relayctl serve` (docs/inbound.md): unknown recipients refused at
// RCPT from an imported list and from a live probe of the backend (451 when the backend cannot answer),
// greylisting's 451 and its acceptance later — the clock moved with RELAYCTL_TEST_CLOCK_OFFSET across a
// restart, so the triplet's state survives it — and one relay domain per transaction. The client is
// untrusted: loopback is taken out of trusted_networks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/behaviour_sink.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Dialogue {
  std::vector<std::string> rcpt_replies;
  std::string data_reply;  // empty when no recipient was accepted
};

// One transaction on the inbound listener: every RCPT, then DATA when one was accepted.
Dialogue send(const SmtpDaemon& daemon, const std::string& from, const std::vector<std::string>& to,
              const std::string& subject = "hello") {
  Dialogue d;
  SmtpClient client;
  if (!client.connect(daemon.inbound_port())) return d;
  client.reply();
  client.command("EHLO client.example");
  client.command("MAIL FROM:<" + from + ">");
  bool any = false;
  for (const auto& rcpt : to) {
    d.rcpt_replies.push_back(client.command("RCPT TO:<" + rcpt + ">"));
    any = any || reply_code(d.rcpt_replies.back()) == 250;
  }
  if (any && reply_code(client.command("DATA")) == 354) {
    client.send("From: <" + from + ">\r\nTo: <" + to.front() + ">\r\nSubject: " + subject +
                "\r\nMessage-ID: <t@client.example>\r\n\r\nHello.\r\n.\r\n");
    d.data_reply = client.reply();
  }
  client.command("QUIT");
  return d;
}

std::string untrusted() { return "trusted_networks = []\n"; }

std::string domain(unsigned short backend, const std::string& settings) {
  return "[[inbound.domain]]\nname = \"local.test\"\n" + settings + "\n[[inbound.domain.backend]]\nhost = \"127.0.0.1:" +
         std::to_string(backend) + "\"\n";
}

TEST(ServeInboundRecipients, UnknownRecipientsOfAListAreRefusedAtRcpt) {
  BehaviourSink backend;
  DaemonOptions options;
  options.extra_server = untrusted();
  options.extra = domain(backend.port(), "recipients = \"list\"\ngreylist = false");
  SmtpDaemon daemon(options);
  std::string list = daemon.dir().write("users.txt", "alice@local.test\nbob@local.test\n").string();
  auto imported = daemon.relayctl({"recipients", "import", list, "--domain", "local.test"});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  ASSERT_TRUE(daemon.start()) << daemon.log();

  auto d = send(daemon, "sender@example.com",
                {"alice@local.test", "ALICE+news@local.test", "mallory@local.test", "postmaster@local.test"});
  ASSERT_EQ(d.rcpt_replies.size(), 4u);
  EXPECT_THAT(d.rcpt_replies[0], StartsWith("250"));
  EXPECT_THAT(d.rcpt_replies[1], StartsWith("250")) << "sub-addressing and case";
  EXPECT_EQ(d.rcpt_replies[2], "550 5.1.1 Recipient address rejected: user unknown\r\n");
  EXPECT_THAT(d.rcpt_replies[3], StartsWith("250")) << "postmaster is always accepted (RFC 5321 4.5.1)";
  EXPECT_THAT(d.data_reply, StartsWith("250"));
  ASSERT_TRUE(eventually([&] { return backend.messages().size() == 1; })) << daemon.log();
  EXPECT_EQ(backend.messages()[0].recipients,
            (std::vector<std::string>{"alice@local.test", "ALICE+news@local.test", "postmaster@local.test"}));

  // Removed from the list: refused from then on, without a restart.
  ASSERT_EQ(daemon.relayctl({"recipients", "remove", "bob@local.test"}).exit_code, 0);
  auto after = send(daemon, "sender@example.com", {"bob@local.test"});
  ASSERT_EQ(after.rcpt_replies.size(), 1u);
  EXPECT_THAT(after.rcpt_replies[0], StartsWith("550 5.1.1"));
}

TEST(ServeInboundRecipients, ALiveProbeOfTheBackendDecidesAndADownBackendGets451) {
  BehaviourSink backend;
  DaemonOptions options;
  options.extra_server = untrusted();
  options.extra = domain(backend.port(), "recipients = \"probe\"\ngreylist = false");
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();

  auto d = send(daemon, "sender@example.com", {"reader@local.test", "reject@local.test"});
  ASSERT_EQ(d.rcpt_replies.size(), 2u);
  EXPECT_THAT(d.rcpt_replies[0], StartsWith("250"));
  EXPECT_EQ(d.rcpt_replies[1], "550 5.1.1 Recipient address rejected: user unknown\r\n");
  EXPECT_THAT(d.data_reply, StartsWith("250"));
  ASSERT_TRUE(eventually([&] { return backend.messages().size() == 1; })) << daemon.log();
  EXPECT_EQ(backend.messages()[0].recipients, std::vector<std::string>{"reader@local.test"});

  // A domain whose backend is down: 451, never a wrong 550 and never an accept-then-bounce.
  DaemonOptions down;
  down.extra_server = untrusted();
  down.extra = domain(free_tcp_port(), "recipients = \"probe\"\ngreylist = false");
  SmtpDaemon daemon_down(down);
  ASSERT_TRUE(daemon_down.start()) << daemon_down.log();
  auto refused = send(daemon_down, "sender@example.com", {"reader@local.test"});
  ASSERT_EQ(refused.rcpt_replies.size(), 1u);
  EXPECT_THAT(refused.rcpt_replies[0], StartsWith("451 4.4.3"));
  EXPECT_TRUE(daemon_down.queued_ids().empty());
}

TEST(ServeInboundRecipients, GreylistingDefersThenAcceptsAndRemembersAcrossARestart) {
  BehaviourSink backend;
  DaemonOptions options;
  options.extra_server = untrusted();
  options.extra = "[inbound.greylist]\ndelay = \"5m\"\n" + domain(backend.port(), "");
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();

  auto first = send(daemon, "sender@example.com", {"reader@local.test"});
  ASSERT_EQ(first.rcpt_replies.size(), 1u);
  EXPECT_THAT(first.rcpt_replies[0], StartsWith("451 4.7.1 Greylisted"));
  EXPECT_THAT(first.rcpt_replies[0], HasSubstr("try again in"));
  auto early = send(daemon, "sender@example.com", {"reader@local.test"});
  EXPECT_THAT(early.rcpt_replies[0], StartsWith("451 4.7.1"));
  EXPECT_TRUE(backend.messages().empty());

  // Six minutes later, after a restart: the triplet was kept, and the retry passes.
  ASSERT_TRUE(daemon.stop());
  daemon.environment()["RELAYCTL_TEST_CLOCK_OFFSET"] = "360";
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto retry = send(daemon, "sender@example.com", {"reader@local.test"});
  EXPECT_THAT(retry.rcpt_replies[0], StartsWith("250"));
  EXPECT_THAT(retry.data_reply, StartsWith("250"));
  ASSERT_TRUE(eventually([&] { return backend.messages().size() == 1; })) << daemon.log();

  // Another sender is a new triplet; a passed one goes through at once from then on.
  EXPECT_THAT(send(daemon, "other@example.org", {"reader@local.test"}).rcpt_replies[0], StartsWith("451 4.7.1"));
  EXPECT_THAT(send(daemon, "sender@example.com", {"reader@local.test"}).rcpt_replies[0], StartsWith("250"));
}

TEST(ServeInboundRecipients, OneRelayDomainPerTransaction) {
  BehaviourSink backend;
  DaemonOptions options;
  options.extra_server = untrusted();
  options.extra = domain(backend.port(), "greylist = false") +
                  "[[inbound.domain]]\nname = \"other.test\"\ngreylist = false\n[[inbound.domain.backend]]\nhost = "
                  "\"127.0.0.1:" +
                  std::to_string(backend.port()) + "\"\n";
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto d = send(daemon, "sender@example.com", {"a@local.test", "b@other.test"});
  ASSERT_EQ(d.rcpt_replies.size(), 2u);
  EXPECT_THAT(d.rcpt_replies[0], StartsWith("250"));
  EXPECT_EQ(d.rcpt_replies[1], "452 4.5.3 Too many recipients: send this recipient in another transaction\r\n");
  EXPECT_THAT(d.data_reply, StartsWith("250"));
}

}  // namespace
