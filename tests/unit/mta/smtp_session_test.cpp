// The session state machine without sockets: dialogues of command lines and the reply code each gets,
// for order (503), relay (554 5.7.1), AUTH over TLS only, limits, STARTTLS reset, DATA and headers added.
#include <gtest/gtest.h>

#include "mta/smtp/base64.hpp"
#include "mta/smtp/message_headers.hpp"
#include "mta/smtp/server_session.hpp"

namespace {

using namespace mta::smtp;
using mta::config::ListenerKind;

struct Exchange {
  std::string line;
  int code;  // expected reply code; 0: no reply (verify_auth or store follows)
};

struct Dialogue {
  std::string label;
  ListenerKind kind;
  ClientInfo client;
  std::vector<Exchange> steps;
};

SessionConfig base_config(ListenerKind kind) {
  SessionConfig config;
  config.kind = kind;
  config.hostname = "mx.test";
  config.tls_available = true;
  config.relay_domains = {"local.test", "allowed.test"};
  config.limits.max_recipients = 3;
  config.limits.max_errors = 5;
  config.limits.max_message_bytes = 1000;
  config.now = [] { return std::int64_t{1'800'000'000}; };
  return config;
}

class SessionDialogue : public ::testing::TestWithParam<Dialogue> {};

TEST_P(SessionDialogue, RepliesMatch) {
  const auto& d = GetParam();
  auto config = base_config(d.kind);
  ServerSession session(config, d.client);
  EXPECT_EQ(session.greeting().code, 220);
  for (const auto& step : d.steps) {
    auto result = session.on_line({step.line, false});
    int code = result.reply ? result.reply->code : 0;
    EXPECT_EQ(code, step.code) << d.label << ": " << step.line << " -> "
                               << (result.reply ? result.reply->format() : "(none)");
  }
}

const ClientInfo kTrusted{"127.0.0.1", true, true, false, "", {}};
const ClientInfo kStranger{"192.0.2.7", false, false, false, "", {}};
const ClientInfo kStrangerTls{"192.0.2.7", false, false, true, "TLSv1.3", {}};

INSTANTIATE_TEST_SUITE_P(
    Table, SessionDialogue,
    ::testing::Values(
        Dialogue{"mail_before_helo", ListenerKind::relay, kTrusted, {{"MAIL FROM:<a@b.test>", 503}}},
        Dialogue{"rcpt_before_mail",
                 ListenerKind::relay,
                 kTrusted,
                 {{"EHLO c.test", 250}, {"RCPT TO:<x@y.test>", 503}}},
        Dialogue{"data_before_rcpt",
                 ListenerKind::relay,
                 kTrusted,
                 {{"EHLO c.test", 250}, {"DATA", 503}, {"MAIL FROM:<a@b.test>", 250}, {"DATA", 503}}},
        Dialogue{"nested_mail",
                 ListenerKind::relay,
                 kTrusted,
                 {{"EHLO c.test", 250}, {"MAIL FROM:<a@b.test>", 250}, {"MAIL FROM:<a@b.test>", 503}}},
        Dialogue{"trusted_relays",
                 ListenerKind::relay,
                 kTrusted,
                 {{"EHLO c.test", 250},
                  {"MAIL FROM:<a@b.test>", 250},
                  {"RCPT TO:<x@far.test>", 250},
                  {"DATA", 354}}},
        Dialogue{"stranger_cannot_relay",
                 ListenerKind::relay,
                 kStranger,
                 {{"EHLO c.test", 250},
                  {"MAIL FROM:<a@b.test>", 250},
                  {"RCPT TO:<x@far.test>", 554},
                  {"RCPT TO:<x@local.test>", 250}}},
        // Untrusted routing (Postfix's allow_untrusted_routing = no): a backend that honours %, ! or a
        // quoted @ would relay for the client. Source routes are dropped by the parser (RFC 5321 §C).
        Dialogue{"stranger_untrusted_routing",
                 ListenerKind::inbound,
                 kStranger,
                 {{"EHLO c.test", 250},
                  {"MAIL FROM:<a@b.test>", 250},
                  {"RCPT TO:<user%far.test@local.test>", 554},
                  {"RCPT TO:<far.test!user@local.test>", 554},
                  {"RCPT TO:<\"user@far.test\"@local.test>", 554},
                  {"RCPT TO:<\"user\\@far.test\"@local.test>", 554},
                  {"RCPT TO:<@far.test:user@local.test>", 250},
                  {"RCPT TO:<user@local.test>", 250}}},
        Dialogue{"stranger_untrusted_routing_on_relay",
                 ListenerKind::relay,
                 kStranger,
                 {{"EHLO c.test", 250},
                  {"MAIL FROM:<a@b.test>", 250},
                  {"RCPT TO:<user%far.test@local.test>", 554},
                  {"RCPT TO:<user%far.test@allowed.test>", 554},
                  {"RCPT TO:<@local.test:user@far.test>", 554}}},
        Dialogue{"trusted_may_route",
                 ListenerKind::relay,
                 kTrusted,
                 {{"EHLO c.test", 250},
                  {"MAIL FROM:<a@b.test>", 250},
                  {"RCPT TO:<user%far.test@local.test>", 250},
                  {"RCPT TO:<far.test!user@x.test>", 250}}},
        Dialogue{"inbound_only_relay_domains",
                 ListenerKind::inbound,
                 kTrusted,
                 {{"EHLO c.test", 250},
                  {"MAIL FROM:<a@b.test>", 250},
                  {"RCPT TO:<x@far.test>", 554},
                  {"RCPT TO:<x@LOCAL.test>", 250},
                  {"AUTH PLAIN", 502}}},
        Dialogue{"submission_needs_tls_then_auth",
                 ListenerKind::submission,
                 kStranger,
                 {{"EHLO c.test", 250}, {"MAIL FROM:<a@b.test>", 530}, {"AUTH PLAIN AGEAYg==", 538}}},
        Dialogue{"submission_over_tls_needs_auth",
                 ListenerKind::submission,
                 kStrangerTls,
                 {{"EHLO c.test", 250},
                  {"MAIL FROM:<a@b.test>", 530},
                  {"STARTTLS", 503},
                  {"AUTH PLAIN " + base64_encode(std::string("\0u\0p", 4)), 0}}},
        Dialogue{"auth_login_prompts",
                 ListenerKind::smtps,
                 kStrangerTls,
                 {{"EHLO c.test", 250},
                  {"AUTH LOGIN", 334},
                  {base64_encode("user"), 334},
                  {base64_encode("pw"), 0}}},
        Dialogue{"auth_cancel",
                 ListenerKind::smtps,
                 kStrangerTls,
                 {{"EHLO c.test", 250}, {"AUTH PLAIN", 334}, {"*", 501}, {"NOOP", 250}}},
        Dialogue{"auth_bad_base64",
                 ListenerKind::smtps,
                 kStrangerTls,
                 {{"EHLO c.test", 250}, {"AUTH PLAIN !!!!", 501}, {"AUTH CRAM-MD5", 504}}},
        Dialogue{"too_many_recipients",
                 ListenerKind::relay,
                 kTrusted,
                 {{"EHLO c.test", 250},
                  {"MAIL FROM:<a@b.test>", 250},
                  {"RCPT TO:<1@x.test>", 250},
                  {"RCPT TO:<2@x.test>", 250},
                  {"RCPT TO:<3@x.test>", 250},
                  {"RCPT TO:<4@x.test>", 452}}},
        Dialogue{"size_param_over_limit",
                 ListenerKind::relay,
                 kTrusted,
                 {{"EHLO c.test", 250},
                  {"MAIL FROM:<a@b.test> SIZE=1001", 552},
                  {"MAIL FROM:<a@b.test> SIZE=1000", 250}}},
        Dialogue{"utf8_needs_param",
                 ListenerKind::relay,
                 kTrusted,
                 {{"EHLO c.test", 250},
                  {"MAIL FROM:<\xc3\xa4@b.test>", 553},
                  {"MAIL FROM:<\xc3\xa4@b.test> SMTPUTF8", 250},
                  {"RCPT TO:<\xc3\xb6@x.test>", 250}}},
        Dialogue{"errors_then_421",
                 ListenerKind::relay,
                 kTrusted,
                 {{"X1", 500}, {"X2", 500}, {"X3", 500}, {"X4", 500}, {"X5", 421}}},
        Dialogue{"http_is_refused", ListenerKind::relay, kTrusted, {{"GET / HTTP/1.1", 554}}},
        Dialogue{"vrfy_polite_expn_not",
                 ListenerKind::relay,
                 kTrusted,
                 {{"VRFY root", 252}, {"EXPN list", 502}, {"HELP", 214}, {"NOOP", 250}, {"QUIT", 221}}},
        Dialogue{"rset_clears",
                 ListenerKind::relay,
                 kTrusted,
                 {{"HELO c.test", 250},
                  {"MAIL FROM:<a@b.test>", 250},
                  {"RSET", 250},
                  {"RCPT TO:<x@y.test>", 503}}}),
    [](const auto& info) { return info.param.label; });

TEST(Session, EhloAdvertisesAuthOnlyOverTls) {
  auto config = base_config(ListenerKind::submission);
  ServerSession plain(config, kStranger);
  auto reply = plain.on_line({"EHLO c.test", false}).reply->format();
  EXPECT_NE(reply.find("STARTTLS"), std::string::npos);
  EXPECT_EQ(reply.find("AUTH"), std::string::npos);
  EXPECT_NE(reply.find("SIZE 1000"), std::string::npos);
  EXPECT_NE(reply.find("PIPELINING"), std::string::npos);
  ServerSession tls(config, kStrangerTls);
  reply = tls.on_line({"EHLO c.test", false}).reply->format();
  EXPECT_EQ(reply.find("STARTTLS"), std::string::npos);
  EXPECT_NE(reply.find("AUTH PLAIN LOGIN"), std::string::npos);

  config.plaintext_auth_on_loopback = true;
  ServerSession loopback(config, kTrusted);
  reply = loopback.on_line({"EHLO c.test", false}).reply->format();
  EXPECT_NE(reply.find("AUTH PLAIN LOGIN"), std::string::npos);
}

TEST(Session, StartTlsForgetsEhloAndRequiresItAgain) {
  auto config = base_config(ListenerKind::submission);
  ServerSession session(config, kStranger);
  session.on_line({"EHLO c.test", false});
  EXPECT_EQ(session.on_line({"STARTTLS", false}).next, Next::start_tls);
  session.on_tls_started("TLSv1.3");
  EXPECT_EQ(session.on_line({"MAIL FROM:<a@b.test>", false}).reply->code, 503);
  EXPECT_EQ(session.on_line({"EHLO c.test", false}).reply->code, 250);
}

TEST(Session, AuthenticatedUserIsHeldToAllowedSenders) {
  auto config = base_config(ListenerKind::submission);
  ServerSession session(config, kStrangerTls);
  session.on_line({"EHLO c.test", false});
  auto step = session.on_line({"AUTH PLAIN " + base64_encode(std::string("\0alice\0pw", 9)), false});
  ASSERT_EQ(step.next, Next::verify_auth);
  EXPECT_EQ(session.auth_attempt().user, "alice");
  EXPECT_EQ(session.auth_attempt().password, "pw");
  EXPECT_EQ(session.on_auth_result(mta::auth::User{"alice", {"@alice.test"}}, false).reply->code, 235);
  EXPECT_EQ(session.on_line({"MAIL FROM:<bob@other.test>", false}).reply->code, 553);
  EXPECT_EQ(session.on_line({"MAIL FROM:<a@alice.test>", false}).reply->code, 250);
  EXPECT_EQ(session.on_line({"RCPT TO:<x@far.test>", false}).reply->code, 250);  // authenticated: may relay

  DataReader bad_from(1000, 1000);
  bad_from.feed("From: <x@other.test>\r\n\r\nhi\r\n.\r\n");
  session.on_line({"DATA", false});
  EXPECT_EQ(session.on_data(bad_from).reply->code, 550);
}

TEST(Session, SubmissionAddsDateMessageIdAndReceived) {
  auto config = base_config(ListenerKind::submission);
  ServerSession session(config, kStrangerTls);
  session.on_line({"EHLO c.test", false});
  session.on_line({"AUTH PLAIN " + base64_encode(std::string("\0alice\0pw", 9)), false});
  session.on_auth_result(mta::auth::User{"alice", {"*"}}, false);
  session.on_line({"MAIL FROM:<a@alice.test>", false});
  session.on_line({"RCPT TO:<x@far.test>", false});
  EXPECT_EQ(session.on_line({"DATA", false}).next, Next::read_data);
  DataReader reader(1000, 1000);
  reader.feed("Subject: hi\r\n\r\nbody\r\n.\r\n");
  auto step = session.on_data(reader);
  EXPECT_EQ(step.next, Next::store);
  const auto& message = session.transaction().message;
  EXPECT_EQ(message.rfind("Received: from c.test ([192.0.2.7])\r\n\tby mx.test with ESMTPSA (TLSv1.3)\r\n"
                          "\tfor <x@far.test>; ",
                          0),
            0u)
      << message;
  EXPECT_NE(message.find("Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"), std::string::npos) << message;
  EXPECT_NE(message.find("Message-ID: <"), std::string::npos);
  EXPECT_NE(message.find("@mx.test>\r\nSubject: hi\r\n\r\nbody\r\n"), std::string::npos);
  EXPECT_EQ(session.on_stored(true, "0005F3A2B4C6D8E0").reply->format(),
            "250 2.0.0 Ok: queued as 0005F3A2B4C6D8E0\r\n");
}

TEST(Session, RelayDoesNotAddMessageIdButReceived) {
  auto config = base_config(ListenerKind::relay);
  ServerSession session(config, kTrusted);
  session.on_line({"HELO c.test", false});
  session.on_line({"MAIL FROM:<>", false});
  session.on_line({"RCPT TO:<x@far.test>", false});
  session.on_line({"DATA", false});
  DataReader reader(1000, 1000);
  reader.feed("Subject: hi\r\n\r\nbody\r\n.\r\n");
  session.on_data(reader);
  EXPECT_EQ(session.transaction().message.find("Message-ID"), std::string::npos);
  EXPECT_NE(session.transaction().message.find("with SMTP\r\n"), std::string::npos);
}

TEST(Session, CommandLimitCloses) {
  auto config = base_config(ListenerKind::relay);
  config.limits.max_commands = 3;
  ServerSession session(config, kTrusted);
  session.on_line({"NOOP", false});
  session.on_line({"NOOP", false});
  session.on_line({"NOOP", false});
  auto step = session.on_line({"NOOP", false});
  EXPECT_EQ(step.reply->code, 421);
  EXPECT_EQ(step.next, Next::close);
}

TEST(Session, OverlongLineGets500) {
  auto config = base_config(ListenerKind::relay);
  ServerSession session(config, kTrusted);
  auto step = session.on_line({"", true});
  EXPECT_EQ(step.reply->format(), "500 5.5.2 Error: command line too long\r\n");
}

TEST(Session, InboundPolicyChecksRelayDomainRecipients) {
  auto config = base_config(ListenerKind::inbound);
  config.inbound_policy = true;
  std::vector<SmtpError> refusals;
  config.on_refusal = [&](SmtpError e) { refusals.push_back(e); };
  ServerSession session(config, kStranger);
  session.on_line({"EHLO c.test", false});
  session.on_line({"MAIL FROM:<a@b.test>", false});
  auto step = session.on_line({"RCPT TO:<nobody@local.test> NOTIFY=NEVER", false});
  EXPECT_FALSE(step.reply);
  ASSERT_EQ(step.next, Next::check_recipient);
  ASSERT_TRUE(session.pending_recipient());
  EXPECT_EQ(session.pending_recipient()->address, "nobody@local.test");
  EXPECT_EQ(session.pending_recipient()->domain, "local.test");
  EXPECT_EQ(session.on_recipient_checked(SmtpError::unknown_recipient).reply->format(),
            "550 5.1.1 Recipient address rejected: user unknown\r\n");
  EXPECT_FALSE(session.pending_recipient());
  ASSERT_EQ(session.on_line({"RCPT TO:<grey@local.test>", false}).next, Next::check_recipient);
  EXPECT_EQ(session.on_recipient_checked(SmtpError::greylisted, "Greylisted; try again in 300 seconds")
                .reply->format(),
            "451 4.7.1 Greylisted; try again in 300 seconds\r\n");
  ASSERT_EQ(session.on_line({"RCPT TO:<someone@local.test>", false}).next, Next::check_recipient);
  EXPECT_EQ(session.on_recipient_checked(std::nullopt).reply->code, 250);
  EXPECT_EQ(session.transaction().recipients, std::vector<std::string>{"someone@local.test"});
  EXPECT_EQ(session.transaction().inbound_domain, "local.test");
  EXPECT_EQ(refusals, (std::vector<SmtpError>{SmtpError::unknown_recipient, SmtpError::greylisted}));
}

TEST(Session, InboundPolicyTakesOneRelayDomainPerTransaction) {
  auto config = base_config(ListenerKind::inbound);
  config.relay_domains.push_back("other.test");
  config.inbound_policy = true;
  ServerSession session(config, kStranger);
  session.on_line({"EHLO c.test", false});
  session.on_line({"MAIL FROM:<a@b.test>", false});
  ASSERT_EQ(session.on_line({"RCPT TO:<a@local.test>", false}).next, Next::check_recipient);
  session.on_recipient_checked(std::nullopt);
  EXPECT_EQ(session.on_line({"RCPT TO:<b@other.test>", false}).reply->format(),
            "452 4.5.3 Too many recipients: send this recipient in another transaction\r\n");
  EXPECT_EQ(session.on_line({"RCPT TO:<c@local.test>", false}).next, Next::check_recipient);
}

TEST(Session, InboundPolicyRefusesContentAndDiscards) {
  auto config = base_config(ListenerKind::inbound);
  config.inbound_policy = true;
  ServerSession session(config, kStranger);
  session.on_line({"EHLO c.test", false});
  session.on_line({"MAIL FROM:<a@b.test>", false});
  session.on_line({"RCPT TO:<a@local.test>", false});
  session.on_recipient_checked(std::nullopt);
  EXPECT_EQ(session.on_content_refused(SmtpError::virus_found, "Message refused: virus Eicar found").reply->format(),
            "550 5.7.1 Message refused: virus Eicar found\r\n");
  EXPECT_TRUE(session.transaction().recipients.empty());
  EXPECT_EQ(session.on_line({"MAIL FROM:<a@b.test>", false}).reply->code, 250);
  EXPECT_EQ(session.on_discarded().reply->code, 250);
  EXPECT_EQ(session.on_line({"RCPT TO:<a@local.test>", false}).reply->code, 503);
}

TEST(Session, AdmitMessageRefusesAtMail) {
  auto config = base_config(ListenerKind::inbound);
  auto client = kStranger;
  int asked = 0;
  client.admit_message = [&]() -> std::optional<SmtpError> {
    return ++asked > 1 ? std::optional(SmtpError::client_message_rate) : std::nullopt;
  };
  ServerSession session(config, client);
  session.on_line({"EHLO c.test", false});
  EXPECT_EQ(session.on_line({"MAIL FROM:<a@b.test>", false}).reply->code, 250);
  session.on_line({"RSET", false});
  EXPECT_EQ(session.on_line({"MAIL FROM:<a@b.test>", false}).reply->format(),
            "451 4.7.1 Too many messages per minute from your address; try again later\r\n");
}

TEST(Session, UntrustedRoutingAllowedOnlyForItsDomain) {
  auto config = base_config(ListenerKind::inbound);
  config.untrusted_routing_domains = {"allowed.test"};
  std::vector<SmtpError> refusals;
  config.on_refusal = [&](SmtpError e) { refusals.push_back(e); };
  ServerSession session(config, kStranger);
  session.on_line({"EHLO c.test", false});
  session.on_line({"MAIL FROM:<a@b.test>", false});
  EXPECT_EQ(session.on_line({"RCPT TO:<user%far.test@allowed.test>", false}).reply->code, 250);
  auto refused = session.on_line({"RCPT TO:<user%far.test@local.test>", false});
  EXPECT_EQ(refused.reply->format(),
            "554 5.7.1 Relay access denied: routing in the local part (%, ! or @) is not accepted\r\n");
  EXPECT_EQ(refusals, std::vector<SmtpError>{SmtpError::untrusted_routing});
}

std::string received_by_us(int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out +=
        "Received: from a.test ([192.0.2.1])\r\n\tby MX.test with ESMTP\r\n\tfor <x@local.test>; "
        "Mon, 23 Nov 2026 00:30:00 +0000\r\n";
  return out;
}

Step send_message(ServerSession& session, const std::string& message) {
  session.on_line({"EHLO c.test", false});
  session.on_line({"MAIL FROM:<a@b.test>", false});
  session.on_line({"RCPT TO:<x@local.test>", false});
  session.on_line({"DATA", false});
  DataReader reader(100000, 1000);
  reader.feed(message + "Subject: hi\r\n\r\nbody\r\n.\r\n");
  return session.on_data(reader);
}

// RFC 5321 §6.3: a message that has passed through us max_own_received times is looping.
TEST(Session, OurOwnReceivedFieldsOverTheLimitAreALoop) {
  auto config = base_config(ListenerKind::inbound);
  config.limits.max_own_received = 3;
  ServerSession ok(config, kStranger);
  EXPECT_EQ(send_message(ok, received_by_us(3)).next, Next::store);
  ServerSession looping(config, kStranger);
  auto step = send_message(looping, received_by_us(4));
  EXPECT_EQ(step.reply->format(), "554 5.4.6 Too many hops: mail loop detected\r\n");
  EXPECT_EQ(step.next, Next::read_command);
  EXPECT_EQ(looping.state(), SessionState::greeted);
}

TEST(Session, TooManyReceivedFieldsOfAnyHostAreALoop) {
  auto config = base_config(ListenerKind::relay);
  config.limits.max_received = 4;
  std::string others;
  for (int i = 0; i < 5; ++i)
    others += "Received: by relay" + std::to_string(i) + ".test; Mon, 1 Jan 2026\r\n";
  ServerSession session(config, kTrusted);
  EXPECT_EQ(send_message(session, others).reply->code, 554);
}

TEST(ReceivedBy, NamesTheByClauseOutsideComments) {
  EXPECT_EQ(received_by("from a.test ([192.0.2.1])\tby MX.Test with ESMTP; date"), "mx.test");
  EXPECT_EQ(received_by("from by (by fake.test) by real.test; date"), "real.test");
  EXPECT_EQ(received_by("from a (comment (nested by x.test)) by b.test id 1"), "b.test");
  EXPECT_EQ(received_by("from a.test; by after.date"), "");
  EXPECT_EQ(received_by(""), "");
}

}  // namespace
