// Every session limit and every kind of bad input gets its defined reply, never a crash: overlong
// command lines, bare LF and NUL in DATA, HTTP requests, SIZE, too many recipients, errors per session,
// commands out of order, idle timeout, connections per client address. A raw client sends exact bytes.
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

class Limits : public ::testing::Test {
 protected:
  static DaemonOptions options() {
    DaemonOptions o;
    o.limits =
        "max_message_size = 2048\nmax_recipients = 3\nmax_errors = 4\ncommand_timeout = \"2s\"\n"
        "max_connections_per_ip = 3\n";
    return o;
  }
  void SetUp() override {
    ASSERT_TRUE(daemon.start()) << daemon.log();
    // start() probed every port, and this fixture allows only 3 connections per address: wait until the
    // server has seen those probes end.
    for (int i = 0; i < 50; ++i) {
      SmtpClient probe;
      if (probe.connect(daemon.relay_port()) && reply_code(probe.reply()) == 220) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // A greeted session on the relay listener (127.0.0.1 is trusted by default).
  void open(SmtpClient& client) {
    ASSERT_TRUE(client.connect(daemon.relay_port()));
    ASSERT_EQ(reply_code(client.reply()), 220);
    ASSERT_EQ(reply_code(client.command("EHLO client.test")), 250);
  }
  SmtpDaemon daemon{options()};
};

TEST_F(Limits, BannerNamesHostNotSoftware) {
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.relay_port()));
  EXPECT_EQ(client.reply(), "220 mx.test ESMTP\r\n");
}

TEST_F(Limits, OverlongCommandLineGets500AndSessionGoesOn) {
  SmtpClient client;
  open(client);
  EXPECT_THAT(client.command("NOOP " + std::string(600, 'x')), HasSubstr("500 5.5.2"));
  EXPECT_THAT(client.command("NOOP " + std::string(100000, 'y')), HasSubstr("500 5.5.2"));
  EXPECT_EQ(reply_code(client.command("NOOP")), 250);
}

TEST_F(Limits, CommandsOutOfOrderGet503) {
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.relay_port()));
  client.reply();
  EXPECT_THAT(client.command("MAIL FROM:<a@example.com>"), HasSubstr("503 5.5.1"));
  client.command("EHLO client.test");
  EXPECT_THAT(client.command("RCPT TO:<b@far.test>"), HasSubstr("503 5.5.1"));
  EXPECT_THAT(client.command("DATA"), HasSubstr("503 5.5.1"));
}

TEST_F(Limits, BareLfAndNulInDataAreRefusedAfterTheDot) {
  SmtpClient client;
  open(client);
  client.command("MAIL FROM:<a@example.com>");
  client.command("RCPT TO:<b@far.test>");
  client.command("DATA");
  // The smuggling pattern: "\n.\r\n" must not end the message, "\r\n.\r\n" does.
  EXPECT_THAT(client.command("Subject: x\r\n\r\nline\n.\r\nMAIL FROM:<evil@x.test>\r\n."),
              HasSubstr("550 5.6.11"));
  client.command("MAIL FROM:<a@example.com>");
  client.command("RCPT TO:<b@far.test>");
  client.command("DATA");
  EXPECT_THAT(client.command(std::string("Subject: x\r\n\r\nnul\0here\r\n.", 25)), HasSubstr("550 5.6.0"));
  EXPECT_TRUE(daemon.queued_ids().empty());
}

TEST_F(Limits, MessageSizeIsEnforcedBeforeAndAfterData) {
  SmtpClient client;
  open(client);
  EXPECT_THAT(client.command("MAIL FROM:<a@example.com> SIZE=4096"), HasSubstr("552 5.3.4"));
  client.command("MAIL FROM:<a@example.com> SIZE=100");
  client.command("RCPT TO:<b@far.test>");
  client.command("DATA");
  std::string big;
  for (int i = 0; i < 100; ++i)
    big += std::string(70, 'z') + "\r\n";
  EXPECT_THAT(client.command("Subject: big\r\n\r\n" + big + "."), HasSubstr("552 5.3.4"));
  EXPECT_EQ(reply_code(client.command("NOOP")), 250);  // the session survives
  EXPECT_TRUE(daemon.queued_ids().empty());
}

TEST_F(Limits, TooManyRecipientsGet452) {
  SmtpClient client;
  open(client);
  client.command("MAIL FROM:<a@example.com>");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(reply_code(client.command("RCPT TO:<r" + std::to_string(i) + "@far.test>")), 250);
  EXPECT_THAT(client.command("RCPT TO:<r4@far.test>"), HasSubstr("452 4.5.3"));
}

TEST_F(Limits, ErrorsPerSessionEndWith421) {
  SmtpClient client;
  open(client);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(reply_code(client.command("BOGUS")), 500);
  EXPECT_THAT(client.command("BOGUS"), HasSubstr("421 4.7.0"));
  EXPECT_TRUE(client.closed());
}

TEST_F(Limits, HttpRequestIsAnsweredAndClosed) {
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.relay_port()));
  client.reply();
  EXPECT_THAT(client.command("GET / HTTP/1.1\r\nHost: x"), HasSubstr("554 5.7.0"));
  EXPECT_TRUE(client.closed());
}

TEST_F(Limits, IdleClientTimesOutWith421) {
  SmtpClient client;
  open(client);
  EXPECT_THAT(client.reply(std::chrono::seconds(6)), HasSubstr("421 4.4.2"));
  EXPECT_TRUE(client.closed());
}

TEST_F(Limits, ConnectionsPerAddressAreLimited) {
  SmtpClient a, b, c, d;
  open(a);
  open(b);
  open(c);
  ASSERT_TRUE(d.connect(daemon.relay_port()));
  EXPECT_THAT(d.reply(), HasSubstr("421 4.7.0"));
}

TEST_F(Limits, VrfyIsPoliteAndQuitCloses) {
  SmtpClient client;
  open(client);
  EXPECT_THAT(client.command("VRFY root"), HasSubstr("252 2.5.2"));
  EXPECT_THAT(client.command("RSET"), HasSubstr("250 2.0.0"));
  EXPECT_THAT(client.command("QUIT"), HasSubstr("221 2.0.0"));
  EXPECT_TRUE(client.closed());
}

TEST_F(Limits, PipelinedTransactionGetsEveryReply) {
  SmtpClient client;
  open(client);
  ASSERT_TRUE(
      client.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@far.test>\r\nRCPT TO:<c@far.test>\r\nDATA\r\n"));
  EXPECT_EQ(reply_code(client.reply()), 250);
  EXPECT_EQ(reply_code(client.reply()), 250);
  EXPECT_EQ(reply_code(client.reply()), 250);
  EXPECT_EQ(reply_code(client.reply()), 354);
  ASSERT_TRUE(client.send("Subject: p\r\n\r\n..dot\r\n.\r\nMAIL FROM:<a@example.com>\r\nQUIT\r\n"));
  EXPECT_THAT(client.reply(), HasSubstr("250 2.0.0 Ok: queued as"));
  EXPECT_EQ(reply_code(client.reply()), 250);
  EXPECT_EQ(reply_code(client.reply()), 221);
  auto ids = daemon.queued_ids();
  ASSERT_EQ(ids.size(), 1u);
  auto show = daemon.relayctl({"queue", "show", ids[0]});
  EXPECT_THAT(show.out, HasSubstr("c@far.test"));
}

}  // namespace
