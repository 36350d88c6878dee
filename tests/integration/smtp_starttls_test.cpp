// STARTTLS against real TLS peers: `openssl s_client -starttls smtp` negotiates TLS 1.2+ and sees the
// certificate (a self-signed pair made at start); TLS 1.1 is refused; and commands pipelined after
// STARTTLS in clear text are discarded, never run inside the TLS session (CVE-2011-0411).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

class StartTls : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon.start()) << daemon.log(); }
  SmtpDaemon daemon;
};

TEST_F(StartTls, OpensslClientNegotiatesModernTls) {
  RunOptions options;
  options.input = "EHLO client.test\r\nQUIT\r\n";
  options.timeout = std::chrono::seconds(20);
  auto result =
      run({"openssl", "s_client", "-starttls", "smtp", "-connect",
           "127.0.0.1:" + std::to_string(daemon.submission_port()), "-servername", "mx.test", "-ign_eof"},
          options);
  EXPECT_THAT(result.out, HasSubstr("subject=CN = mx.test"));
  EXPECT_THAT(result.out, ::testing::ContainsRegex("Protocol *: TLSv1\\.[23]"));
  EXPECT_THAT(result.out, HasSubstr("250-AUTH PLAIN LOGIN"));
  EXPECT_THAT(result.out, HasSubstr("221 2.0.0"));
  EXPECT_TRUE(std::filesystem::exists(daemon.dir().path() / "spool" / "tls" / "self-signed.crt"));

  // The client allows TLS 1.1 (security level 0); the server must refuse it.
  auto old = run({"openssl", "s_client", "-starttls", "smtp", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0",
                  "-connect", "127.0.0.1:" + std::to_string(daemon.submission_port()), "-ign_eof"},
                 options);
  EXPECT_THAT(old.out + old.err, HasSubstr("alert protocol version"));
  EXPECT_THAT(old.out, ::testing::Not(HasSubstr("250-AUTH")));
  EXPECT_NE(old.exit_code, 0);
}

TEST_F(StartTls, ImplicitTlsOnSmtps) {
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.smtps_port()));
  ASSERT_TRUE(client.start_tls());
  EXPECT_THAT(client.tls_version(), ::testing::AnyOf("TLSv1.2", "TLSv1.3"));
  EXPECT_EQ(client.reply(), "220 mx.test ESMTP\r\n");
  auto ehlo = client.command("EHLO client.test");
  EXPECT_THAT(ehlo, HasSubstr("AUTH PLAIN LOGIN"));
  EXPECT_THAT(ehlo, ::testing::Not(HasSubstr("STARTTLS")));
}

TEST_F(StartTls, PipelinedCommandsAfterStartTlsAreDiscarded) {
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.submission_port()));
  client.reply();
  client.command("EHLO client.test");
  // An attacker in the middle appends a command after STARTTLS in the same packet.
  ASSERT_TRUE(client.send("STARTTLS\r\nQUIT\r\n"));
  EXPECT_THAT(client.reply(), HasSubstr("220 2.0.0"));
  ASSERT_TRUE(client.start_tls());
  // Had the injected QUIT run, this would read "221"; the first reply inside TLS must be to our NOOP.
  EXPECT_THAT(client.command("NOOP"), HasSubstr("250 2.0.0"));
  EXPECT_THAT(client.command("STARTTLS"), HasSubstr("503 5.5.1"));
}

}  // namespace
