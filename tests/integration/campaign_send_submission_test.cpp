// `relayctl campaign send` through the daemon's submission listener with AUTH ([campaigns] inject_user and
// inject_password_file): every recipient delivered once, logged in after STARTTLS (which the client uses
// when offered, even where the daemon allows AUTH in plaintext on loopback); a wrong password ends the run at
// once with exit 2, a message naming the keys, and nobody marked refused; a user without a password file is a
// configuration error naming the key; a user who may not send as the campaign's bounce domain stops the run
// with the fix.
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/campaign_send.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

struct CampaignSendSubmission : ::testing::Test {
  SmtpSink sink;
  TempDir keys;
  std::unique_ptr<SmtpDaemon> daemon = campaign_daemon(sink.port(), keys);

  // alice may also send as the campaign's bounce domain (its VERP return path is the envelope sender).
  void allow_bounce_domain() {
    auto added = daemon->relayctl({"users", "add", "alice", "--allow", "@example.com", "--allow",
                                   "@bounce.example.com", "--password-stdin", "--replace"},
                                  "secret\n");
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }
  // [campaigns] inject_user = "alice" with this password; inject = the submission listener unless
  // default_inject.
  void log_in_as_alice(const std::string& password, bool default_inject = false) {
    auto file = keys.write("inject.password", password + "\n");
    chmod(file.c_str(), 0600);
    std::string lines = "inject_user = \"alice\"\ninject_password_file = \"" + file.string() + "\"\n";
    if (!default_inject)
      lines += "inject = \"127.0.0.1:" + std::to_string(daemon->submission_port()) + "\"\n";
    ASSERT_TRUE(daemon->edit_config("[campaigns]\n", "[campaigns]\n" + lines));
  }
  nlohmann::json status(const std::string& id) const {
    auto run = daemon->relayctl({"campaign", "status", id, "--json"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return run.exit_code == 0 ? nlohmann::json::parse(run.out) : nlohmann::json{};
  }
  void expect_each_arrived_once(std::size_t n, const std::string& protocol) {
    ASSERT_TRUE(daemon->wait_for_empty_queue(60s)) << daemon->log();
    auto received = received_by_recipient(sink);
    EXPECT_EQ(received.size(), n);
    for (std::size_t i = 0; i < n; ++i)
      EXPECT_EQ(received[CampaignFiles::address(i)], 1) << CampaignFiles::address(i);
    ASSERT_FALSE(sink.messages().empty());
    EXPECT_THAT(dumped_message(sink.messages().front()), HasSubstr("with " + protocol + " "));
  }
};

TEST_F(CampaignSendSubmission, AuthOnLoopbackDeliversEveryRecipient) {
  ASSERT_TRUE(daemon->edit_config("plaintext_on_loopback = false", "plaintext_on_loopback = true"));
  allow_bounce_domain();
  log_in_as_alice("secret");
  ASSERT_TRUE(daemon->start()) << daemon->log();
  CampaignFiles files("submit-1", 20, false);
  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string(), "--connections", "2"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  auto json = status("submit-1");
  EXPECT_EQ(json["injected"], 20);
  EXPECT_EQ(json["refused"], 0);
  EXPECT_EQ(json["state"], "done");
  expect_each_arrived_once(20, "ESMTPSA");  // RFC 3848: authenticated, over TLS (STARTTLS was offered)
}

TEST_F(CampaignSendSubmission, StartTlsThenAuthOnTheDefaultSubmissionListener) {
  allow_bounce_domain();
  log_in_as_alice("secret", true);  // no inject: the first submission listener; AUTH only after STARTTLS
  ASSERT_TRUE(daemon->start()) << daemon->log();
  CampaignFiles files("submit-tls-1", 5, false);
  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string()});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  EXPECT_EQ(status("submit-tls-1")["injected"], 5);
  expect_each_arrived_once(5, "ESMTPSA");  // authenticated over TLS
}

TEST_F(CampaignSendSubmission, WrongPasswordStopsWithExitTwoAndRefusesNobody) {
  ASSERT_TRUE(daemon->edit_config("plaintext_on_loopback = false", "plaintext_on_loopback = true"));
  allow_bounce_domain();
  log_in_as_alice("not-the-password");
  ASSERT_TRUE(daemon->start()) << daemon->log();
  CampaignFiles files("submit-bad-1", 10, false);
  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string()});
  EXPECT_EQ(sent.exit_code, 2) << sent.out << sent.err;
  EXPECT_THAT(sent.err, HasSubstr("did not let user 'alice' log in: authentication failed"));
  EXPECT_THAT(sent.err, HasSubstr("535"));
  EXPECT_THAT(sent.err, HasSubstr("[campaigns] inject_user and inject_password_file"));
  EXPECT_THAT(sent.err, HasSubstr("--resume"));
  auto json = status("submit-bad-1");
  EXPECT_EQ(json["refused"], 0);
  EXPECT_EQ(json["injected"], 0);
  EXPECT_EQ(json["pending"], 10);
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(CampaignSendSubmission, SenderNotAllowedForTheUserStopsWithTheFix) {
  ASSERT_TRUE(daemon->edit_config("plaintext_on_loopback = false", "plaintext_on_loopback = true"));
  log_in_as_alice("secret");  // alice may send as @example.com only, not as bounces@bounce.example.com
  ASSERT_TRUE(daemon->start()) << daemon->log();
  CampaignFiles files("submit-sender-1", 10, false);
  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string()});
  EXPECT_EQ(sent.exit_code, 3) << sent.out << sent.err;
  EXPECT_THAT(sent.err, HasSubstr("inject_user 'alice'"));
  EXPECT_THAT(sent.err, HasSubstr("--allow"));
  auto json = status("submit-sender-1");
  EXPECT_EQ(json["refused"], 0);
  EXPECT_EQ(json["pending"], 10);
}

TEST_F(CampaignSendSubmission, UserWithoutPasswordFileIsAConfigurationError) {
  ASSERT_TRUE(daemon->edit_config("[campaigns]\n", "[campaigns]\ninject_user = \"alice\"\n"));
  CampaignFiles files("submit-config-1", 3, false);
  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string()});
  EXPECT_EQ(sent.exit_code, 2) << sent.out << sent.err;
  EXPECT_THAT(sent.err, HasSubstr("campaigns.inject_user"));
  EXPECT_THAT(sent.err, HasSubstr("inject_password_file"));
}

}  // namespace
