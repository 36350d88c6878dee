// Submission with real clients: swaks AUTH PLAIN over STARTTLS on the submission port and AUTH LOGIN
// over implicit TLS (465), wrong passwords, AUTH refused in clear text, per-user senders and From
// domains, and the headers a submission server adds (RFC 6409 §8) — checked in the queue.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;
using ::testing::Not;

class Submission : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon.start()) << daemon.log(); }
  SmtpDaemon daemon;
};

TEST_F(Submission, AuthPlainOverStartTlsIsQueuedWithAddedHeaders) {
  auto result =
      swaks({"--server", "127.0.0.1:" + std::to_string(daemon.submission_port()), "-tls", "--auth", "PLAIN",
             "--auth-user", "alice", "--auth-password", "secret", "--from", "a@example.com", "--to",
             "rcpt@far.test", "--data", "From: <a@example.com>\r\nSubject: hi\r\n\r\nbody\r\n"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("235 2.7.0 Authentication successful"));
  EXPECT_THAT(result.out, HasSubstr("250 2.0.0 Ok: queued as "));

  auto ids = daemon.queued_ids();
  ASSERT_EQ(ids.size(), 1u);
  auto show = daemon.relayctl({"queue", "show", ids[0], "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto message = nlohmann::json::parse(show.out);
  EXPECT_EQ(message["auth_user"], "alice");
  EXPECT_EQ(message["listener"], "submission");
  EXPECT_EQ(message["sender"], "a@example.com");
  EXPECT_EQ(message["recipients"][0]["address"], "rcpt@far.test");
  std::string headers = message["headers"];
  EXPECT_THAT(headers, HasSubstr("Received: from "));
  EXPECT_THAT(headers, HasSubstr("by mx.test with ESMTPSA (TLSv1.3"));
  EXPECT_THAT(headers, HasSubstr("Message-ID: <"));
  EXPECT_THAT(headers, HasSubstr("Date: "));
  EXPECT_THAT(headers, HasSubstr("Subject: hi"));
}

TEST_F(Submission, AuthLoginOverImplicitTls) {
  auto result = swaks({"--server", "127.0.0.1:" + std::to_string(daemon.smtps_port()), "--tls-on-connect",
                       "--auth", "LOGIN", "--auth-user", "alice", "--auth-password", "secret", "--from",
                       "b@example.com", "--to", "rcpt@far.test"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("250 2.0.0 Ok: queued as "));
  EXPECT_EQ(daemon.queued_ids().size(), 1u);
}

TEST_F(Submission, WrongPasswordIsRefused) {
  auto result = swaks({"--server", "127.0.0.1:" + std::to_string(daemon.smtps_port()), "--tls-on-connect",
                       "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", "wrong", "--from",
                       "a@example.com", "--to", "rcpt@far.test"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("535 5.7.8"));
  auto unknown = swaks({"--server", "127.0.0.1:" + std::to_string(daemon.smtps_port()), "--tls-on-connect",
                        "--auth", "PLAIN", "--auth-user", "mallory", "--auth-password", "secret", "--from",
                        "a@example.com", "--to", "rcpt@far.test"});
  EXPECT_THAT(unknown.out, HasSubstr("535 5.7.8"));
  EXPECT_TRUE(daemon.queued_ids().empty());
}

TEST_F(Submission, NoAuthInClearTextAndNoMailWithoutAuth) {
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.submission_port()));
  EXPECT_EQ(reply_code(client.reply()), 220);
  auto ehlo = client.command("EHLO client.test");
  EXPECT_THAT(ehlo, HasSubstr("STARTTLS"));
  EXPECT_THAT(ehlo, Not(HasSubstr("AUTH")));
  EXPECT_THAT(client.command("AUTH PLAIN AGFsaWNlAHNlY3JldA=="), HasSubstr("538 5.7.11"));
  EXPECT_THAT(client.command("MAIL FROM:<a@example.com>"), HasSubstr("530 5.7.0"));
  EXPECT_THAT(client.command("STARTTLS"), HasSubstr("220 2.0.0"));
  ASSERT_TRUE(client.start_tls());
  EXPECT_THAT(client.command("MAIL FROM:<a@example.com>"), HasSubstr("503 5.5.1"));  // EHLO again first
  EXPECT_THAT(client.command("EHLO client.test"), HasSubstr("AUTH PLAIN LOGIN"));
  EXPECT_THAT(client.command("MAIL FROM:<a@example.com>"), HasSubstr("530 5.7.0 Authentication required"));
}

TEST_F(Submission, UserIsHeldToTheirSendersAndFromDomains) {
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.smtps_port()));
  ASSERT_TRUE(client.start_tls());
  EXPECT_EQ(reply_code(client.reply()), 220);
  client.command("EHLO client.test");
  EXPECT_THAT(client.command("AUTH PLAIN AGFsaWNlAHNlY3JldA=="), HasSubstr("235"));
  EXPECT_THAT(client.command("MAIL FROM:<ceo@bank.test>"), HasSubstr("553 5.7.1"));
  EXPECT_THAT(client.command("MAIL FROM:<a@example.com>"), HasSubstr("250"));
  EXPECT_THAT(client.command("RCPT TO:<x@far.test>"), HasSubstr("250"));
  EXPECT_THAT(client.command("DATA"), HasSubstr("354"));
  EXPECT_THAT(client.command("From: <ceo@bank.test>\r\nSubject: x\r\n\r\nhi\r\n."), HasSubstr("550 5.7.1"));
  EXPECT_TRUE(daemon.queued_ids().empty());
}

TEST_F(Submission, FailedAuthIsRateLimitedPerAddress) {
  DaemonOptions options;
  options.limits = "max_auth_failures = 2\n";
  SmtpDaemon strict(options);
  ASSERT_TRUE(strict.start()) << strict.log();
  SmtpClient client;
  ASSERT_TRUE(client.connect(strict.smtps_port()));
  ASSERT_TRUE(client.start_tls());
  client.reply();
  client.command("EHLO client.test");
  EXPECT_THAT(client.command("AUTH PLAIN AGFsaWNlAHdyb25n"), HasSubstr("535"));
  EXPECT_THAT(client.command("AUTH PLAIN AGFsaWNlAHdyb25n"), HasSubstr("535"));
  EXPECT_THAT(client.command("AUTH PLAIN AGFsaWNlAHNlY3JldA=="),
              HasSubstr("421 4.7.0"));  // even the right one
  EXPECT_TRUE(client.closed());
}

}  // namespace
