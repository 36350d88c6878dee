// The DSN extension (RFC 3461) end to end through `relayctl serve`: a sender's NOTIFY decides which
// DSNs it gets (NEVER: none; SUCCESS through a server without DSN: a "relayed" one), ENVID and ORCPT come
// back in the report, RET=FULL returns the whole message, and a next hop that offers DSN is given the
// parameters instead. The client talks raw SMTP to the relay listener (swaks has no DSN parameters).
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
using ::testing::Not;

// Sends one message through the relay listener: MAIL with mail_params, one RCPT per entry (address and
// its parameters); every reply must be positive.
void relay(const SmtpDaemon& daemon, const std::string& mail_params,
           const std::vector<std::pair<std::string, std::string>>& recipients) {
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.relay_port()));
  EXPECT_THAT(client.reply(), HasSubstr("220"));
  EXPECT_THAT(client.command("EHLO client.test"), HasSubstr("250-DSN"));
  EXPECT_THAT(client.command("MAIL FROM:<sender@example.com>" + mail_params), HasSubstr("250"));
  for (const auto& [address, params] : recipients)
    EXPECT_THAT(client.command("RCPT TO:<" + address + ">" + params), HasSubstr("250"));
  EXPECT_THAT(client.command("DATA"), HasSubstr("354"));
  EXPECT_THAT(client.command("From: sender@example.com\r\nSubject: dsn test\r\n\r\nthe body line\r\n."),
              HasSubstr("250"));
  client.command("QUIT");
}

std::vector<BehaviourSink::Stored> dsns(const BehaviourSink& sink) {
  std::vector<BehaviourSink::Stored> out;
  for (const auto& m : sink.messages())
    if (m.sender.empty()) out.push_back(m);
  return out;
}

TEST(ServeDsn, NotifyNeverSilencesAFailureAndTheReportCarriesEnvidOrcptAndTheFullMessage) {
  BehaviourSink sink;
  SmtpDaemon daemon(delivering_to(sink.port()));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  relay(daemon, " RET=FULL ENVID=QQ314159",
        {{"reject1@dest.test", " NOTIFY=NEVER"},
         {"reject2@dest.test", " NOTIFY=FAILURE ORCPT=rfc822;list+2Bmember@example.org"}});
  ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();
  auto reports = dsns(sink);
  ASSERT_EQ(reports.size(), 1u) << daemon.log();
  const auto& dsn = reports[0].data;
  EXPECT_EQ(reports[0].recipients, std::vector<std::string>{"sender@example.com"});
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; reject2@dest.test"));
  EXPECT_THAT(dsn, Not(HasSubstr("reject1@dest.test")));  // NOTIFY=NEVER
  EXPECT_THAT(dsn, HasSubstr("Original-Envelope-Id: QQ314159"));
  EXPECT_THAT(dsn, HasSubstr("Original-Recipient: rfc822;list+member@example.org"));
  EXPECT_THAT(dsn, HasSubstr("Content-Type: message/rfc822"));  // RET=FULL: the whole message
  EXPECT_THAT(dsn, HasSubstr("the body line"));
}

TEST(ServeDsn, NotifySuccessThroughAServerWithoutDsnGetsARelayedReport) {
  BehaviourSink sink;  // offers no DSN
  SmtpDaemon daemon(delivering_to(sink.port()));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  relay(daemon, "", {{"accept@dest.test", " NOTIFY=SUCCESS,FAILURE"}, {"accept2@dest.test", ""}});
  ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();
  auto reports = dsns(sink);
  ASSERT_EQ(reports.size(), 1u) << daemon.log();
  const auto& dsn = reports[0].data;
  EXPECT_THAT(dsn, HasSubstr("Final-Recipient: rfc822; accept@dest.test"));
  EXPECT_THAT(dsn, HasSubstr("Action: relayed"));
  EXPECT_THAT(dsn, HasSubstr("Status: 2.0.0"));
  EXPECT_THAT(dsn, Not(HasSubstr("accept2@dest.test")));             // no NOTIFY: no success report
  EXPECT_THAT(dsn, Not(HasSubstr("Content-Type: message/rfc822")));  // RET is for failures only
}

TEST(ServeDsn, AServerThatOffersDsnIsGivenTheParametersAndNoRelayedReportIsMade) {
  BehaviourSinkOptions with_dsn;
  with_dsn.dsn = true;
  BehaviourSink sink(with_dsn);
  SmtpDaemon daemon(delivering_to(sink.port()));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  relay(
      daemon, " RET=HDRS ENVID=a+2Bb",
      {{"accept@dest.test", " NOTIFY=SUCCESS ORCPT=rfc822;orig+3Dx@example.org"}, {"accept2@dest.test", ""}});
  ASSERT_TRUE(daemon.wait_for_empty_queue(20s)) << daemon.log();
  auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u) << daemon.log();
  ASSERT_EQ(messages[0].commands.size(), 3u);
  EXPECT_THAT(messages[0].commands[0], HasSubstr(" RET=HDRS ENVID=a+2Bb"));
  EXPECT_THAT(messages[0].commands[1],
              HasSubstr("<accept@dest.test> NOTIFY=SUCCESS ORCPT=rfc822;orig+3Dx@example.org"));
  EXPECT_EQ(messages[0].commands[2], "RCPT TO:<accept2@dest.test>");
}

TEST(ServeDsn, BadDsnParametersGetA501AndTheSessionGoesOn) {
  SmtpDaemon daemon;
  ASSERT_TRUE(daemon.start()) << daemon.log();
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.relay_port()));
  client.reply();
  client.command("EHLO client.test");
  EXPECT_THAT(client.command("MAIL FROM:<sender@example.com> RET=EVERYTHING"), HasSubstr("501"));
  EXPECT_THAT(client.command("MAIL FROM:<sender@example.com> ENVID=" + std::string(101, 'x')),
              HasSubstr("501"));
  EXPECT_THAT(client.command("MAIL FROM:<sender@example.com> NOTIFY=NEVER"), HasSubstr("555"));
  EXPECT_THAT(client.command("MAIL FROM:<sender@example.com>"), HasSubstr("250"));
  EXPECT_THAT(client.command("RCPT TO:<a@dest.test> NOTIFY=NEVER,SUCCESS"), HasSubstr("501"));
  EXPECT_THAT(client.command("RCPT TO:<a@dest.test> ORCPT=nosemicolon"), HasSubstr("501"));
  EXPECT_THAT(client.command("RCPT TO:<a@dest.test> RET=FULL"), HasSubstr("555"));
  EXPECT_THAT(client.command("RCPT TO:<a@dest.test> NOTIFY=DELAY"), HasSubstr("250"));
}

// Delay warnings follow NOTIFY as well: a recipient that asked only for FAILURE is left out of the
// "delayed" report, one that asked for DELAY is in it.
TEST(ServeDsn, DelayWarningsListOnlyRecipientsWhoseNotifyAllowsThem) {
  BehaviourSink sink;
  SmtpDaemon daemon(delivering_to(
      sink.port(), "retry_initial = \"1s\"\nretry_max = \"1s\"\ndelay_warning_after = \"2s\"\n"));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  relay(daemon, "", {{"tempfail1@dest.test", " NOTIFY=FAILURE"}, {"tempfail2@dest.test", " NOTIFY=DELAY"}});
  ASSERT_TRUE(eventually([&] { return !dsns(sink).empty(); }, 20s)) << daemon.log();
  auto reports = dsns(sink);
  const auto& warning = reports.front().data;
  EXPECT_THAT(warning, HasSubstr("Action: delayed"));
  EXPECT_THAT(warning, HasSubstr("Final-Recipient: rfc822; tempfail2@dest.test"));
  EXPECT_THAT(warning, Not(HasSubstr("tempfail1@dest.test")));
}

// `relayctl queue show` lists what the sender asked for, so an operator can see why a report went out
// or did not.
TEST(ServeDsn, QueueShowListsTheParameters) {
  SmtpDaemon daemon(delivering_to(free_tcp_port(), "retry_initial = \"1h\"\n"));  // nothing listens: deferred
  ASSERT_TRUE(daemon.start()) << daemon.log();
  relay(daemon, " RET=HDRS ENVID=batch+2B7",
        {{"a@dest.test", " NOTIFY=FAILURE,DELAY ORCPT=rfc822;a@list.test"}});
  auto ids = daemon.queued_ids();
  ASSERT_EQ(ids.size(), 1u);
  auto shown = daemon.relayctl({"queue", "show", ids[0], "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  auto message = nlohmann::json::parse(shown.out);
  EXPECT_EQ(message["ret"], "HDRS");
  EXPECT_EQ(message["envid"], "batch+7");
  EXPECT_EQ(message["recipients"][0]["notify"], "FAILURE,DELAY");
  EXPECT_EQ(message["recipients"][0]["orcpt"], "rfc822;a@list.test");
  auto text = daemon.relayctl({"queue", "show", ids[0]});
  EXPECT_THAT(text.out, HasSubstr("notify=FAILURE,DELAY orcpt=rfc822;a@list.test"));
  EXPECT_THAT(text.out, HasSubstr("dsn: ret=HDRS envid=batch+7"));
}

}  // namespace
