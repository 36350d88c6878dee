// `relayctl serve` signs outbound mail before spooling it: a message relayed in is delivered to a sink with
// a DKIM-Signature that an independent verifier (python3-dkim) accepts against the key served by nsd;
// mail From a domain without a signing rule goes out unsigned; inbound mail is never signed; a message
// that cannot be signed is refused with 550 5.6.0 while the session goes on; an unsafe key stops the start.
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/behaviour_sink.hpp"
#include "tests/support/dkim_tools.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/smtp_daemon.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

struct ServeDkim : ::testing::Test {
  NsdServer nsd{{fixture_zone("dkim.test")}};
  BehaviourSink sink;
  TempDir keys;

  DaemonOptions options(const std::filesystem::path& key, const std::string& dkim_section = "") {
    DaemonOptions o;
    o.extra = "[[delivery.route]]\ndomain = \"*\"\nnext_hop = \"127.0.0.1:" + std::to_string(sink.port()) +
              "\"\n" + dkim_section +
              "[[dkim.sign]]\nfrom = \"example.com\"\ndomain = \"dkim.test\"\nselector = \"rsa\"\nkey = \"" +
              key.string() + "\"\n";
    return o;
  }

  std::vector<BehaviourSink::Stored> wait_for_messages(std::size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto messages = sink.messages();
      if (messages.size() >= n) return messages;
      std::this_thread::sleep_for(100ms);
    }
    return sink.messages();
  }
};

RunResult relay_in(const SmtpDaemon& daemon, const std::string& from, const std::string& to) {
  return run({"swaks", "--server", "127.0.0.1:" + std::to_string(daemon.relay_port()), "--from", from, "--to",
              to, "--timeout", "20", "--hide-informational", "--header", "Subject: signed by relayctl",
              "--body", "Hello,\r\n\r\nthis body is covered by bh=.\r\n"});
}

TEST_F(ServeDkim, RelayedMailIsSignedAndVerifiesIndependently) {
  SmtpDaemon daemon(options(private_dkim_key(keys, "rsa2048")));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto sent = relay_in(daemon, "news@example.com", "reader@dest.test");
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  auto messages = wait_for_messages(1);
  ASSERT_EQ(messages.size(), 1u) << daemon.log();
  const auto& data = messages[0].data;
  EXPECT_EQ(data.rfind("DKIM-Signature: ", 0), 0u) << data;  // prepended, above our Received
  EXPECT_THAT(data, HasSubstr("d=dkim.test"));
  EXPECT_THAT(data, HasSubstr("s=rsa"));
  auto verified = python_dkim_verify(data, nsd.address());
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err << data;

  // The same message with a changed body no longer verifies: the check above can fail.
  auto tampered = data;
  tampered.replace(tampered.find("covered by bh="), 7, "COVERED");
  EXPECT_NE(python_dkim_verify(tampered, nsd.address()).exit_code, 0);

  auto metrics = daemon.relayctl({"queue", "stats", "--json"});
  EXPECT_EQ(metrics.exit_code, 0) << metrics.err;
}

TEST_F(ServeDkim, ExpireAfterSetsX) {
  SmtpDaemon daemon(options(private_dkim_key(keys, "rsa2048"), "[dkim]\nexpire_after = \"7d\"\n"));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_EQ(relay_in(daemon, "news@example.com", "reader@dest.test").exit_code, 0);
  auto messages = wait_for_messages(1);
  ASSERT_EQ(messages.size(), 1u) << daemon.log();
  const auto& data = messages[0].data;
  auto tag = [&data](char name) {  // the value of tag NAME in the signature (after white space or ';')
    for (auto at = data.find(std::string(1, name) + "="); at != std::string::npos;
         at = data.find(std::string(1, name) + "=", at + 1))
      if (at > 0 && (data[at - 1] == ' ' || data[at - 1] == '\t' || data[at - 1] == ';'))
        return std::stoll(data.substr(at + 2));
    return -1LL;
  };
  ASSERT_GT(tag('t'), 0) << data;
  ASSERT_GT(tag('x'), 0) << data;
  EXPECT_EQ(tag('x') - tag('t'), 7 * 24 * 3600);
  EXPECT_EQ(python_dkim_verify(data, nsd.address()).exit_code, 0) << data;
}

TEST_F(ServeDkim, BouncesAreSignedByTheDefaultRule) {
  auto o = options(private_dkim_key(keys, "rsa2048"));
  o.extra += "[[dkim.sign]]\nfrom = \"*\"\ndomain = \"dkim.test\"\nselector = \"rsa\"\nkey = \"" +
             private_dkim_key(keys, "rsa2048").string() + "\"\n";
  SmtpDaemon daemon(o);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto sent = relay_in(daemon, "news@example.com", "reject@dest.test");
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  auto messages = wait_for_messages(1);
  ASSERT_EQ(messages.size(), 1u) << daemon.log();
  const auto& dsn = messages[0];
  EXPECT_TRUE(dsn.sender.empty());
  EXPECT_THAT(dsn.data, HasSubstr("MAILER-DAEMON@"));
  EXPECT_EQ(dsn.data.rfind("DKIM-Signature: ", 0), 0u) << dsn.data;
  auto verified = python_dkim_verify(dsn.data, nsd.address());
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err << dsn.data;
}

TEST_F(ServeDkim, NoRuleForTheFromDomainMeansUnsigned) {
  SmtpDaemon daemon(options(private_dkim_key(keys, "rsa2048")));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto sent = relay_in(daemon, "someone@elsewhere.test", "reader@dest.test");
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  auto messages = wait_for_messages(1);
  ASSERT_EQ(messages.size(), 1u) << daemon.log();
  EXPECT_THAT(messages[0].data, Not(HasSubstr("DKIM-Signature:")));
}

TEST_F(ServeDkim, InboundMailIsNeverSigned) {
  SmtpDaemon daemon(options(private_dkim_key(keys, "rsa2048")));  // inbound for local.test
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto sent =
      run({"swaks", "--server", "127.0.0.1:" + std::to_string(daemon.inbound_port()), "--from",
           "news@example.com", "--to", "reader@local.test", "--timeout", "20", "--hide-informational"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  auto messages = wait_for_messages(1);
  ASSERT_EQ(messages.size(), 1u) << daemon.log();
  EXPECT_THAT(messages[0].data, Not(HasSubstr("DKIM-Signature:")));
}

TEST_F(ServeDkim, UnsignableMessageIsRefusedAndTheSessionGoesOn) {
  SmtpDaemon daemon(options(private_dkim_key(keys, "rsa2048")));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.relay_port()));
  EXPECT_THAT(client.reply(), HasSubstr("220"));
  client.send("EHLO client.test\r\n");
  EXPECT_THAT(client.reply(), HasSubstr("250"));
  // Two From fields: RFC 5322 allows one, and no signer can say which one it signs.
  client.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@dest.test>\r\nDATA\r\n");
  EXPECT_THAT(client.reply(), HasSubstr("250"));
  EXPECT_THAT(client.reply(), HasSubstr("250"));
  EXPECT_THAT(client.reply(), HasSubstr("354"));
  client.send("From: a@example.com\r\nFrom: c@example.com\r\nSubject: x\r\n\r\nbody\r\n.\r\n");
  auto refused = client.reply();
  EXPECT_THAT(refused, HasSubstr("550 5.6.0"));
  EXPECT_THAT(refused, HasSubstr("DKIM"));
  // The next transaction on the same session is accepted and signed.
  client.send("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@dest.test>\r\nDATA\r\n");
  EXPECT_THAT(client.reply(), HasSubstr("250"));
  EXPECT_THAT(client.reply(), HasSubstr("250"));
  EXPECT_THAT(client.reply(), HasSubstr("354"));
  client.send("From: a@example.com\r\nSubject: y\r\n\r\nbody\r\n.\r\n");
  EXPECT_THAT(client.reply(), HasSubstr("250"));
  client.send("QUIT\r\n");
  auto messages = wait_for_messages(1);
  ASSERT_EQ(messages.size(), 1u) << daemon.log();
  EXPECT_THAT(messages[0].data, HasSubstr("Subject: y"));
  EXPECT_EQ(python_dkim_verify(messages[0].data, nsd.address()).exit_code, 0) << messages[0].data;
}

TEST_F(ServeDkim, WorldReadableKeyStopsTheStartNamingTheFile) {
  auto key = private_dkim_key(keys, "rsa2048");
  std::filesystem::permissions(key, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  SmtpDaemon daemon(options(key));
  EXPECT_FALSE(daemon.start());
  EXPECT_THAT(daemon.log(), HasSubstr(key.string()));
  EXPECT_THAT(daemon.log(), HasSubstr("DKIM"));
}

}  // namespace
