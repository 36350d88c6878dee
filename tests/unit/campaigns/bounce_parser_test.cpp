// The bounce and complaint parser (campaigns/bounces/parse) on real messages from public bounce corpora
// (tests/fixtures/bounces, sources in its README): kind, every reported recipient with action, status
// and a key part of the diagnostic, the returned original's Message-ID; then the limits (size, nesting,
// parts, recipients), malformed reports, and VERP candidates that are valid, forged or absent.
#include <cctype>
#include <chrono>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "campaigns/bounces/parse/bounce_message.hpp"
#include "campaigns/bounces/parse/bounce_token.hpp"
#include "campaigns/bounces/parse/fields.hpp"
#include "campaigns/tokens/token_secret.hpp"
#include "campaigns/tokens/verp.hpp"

namespace campaigns {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(RELAY_FIXTURES_DIR) + "/bounces/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string describe(const ParsedBounce& p) {
  std::string out = std::string(to_string(p.kind)) + " (" + p.detail + ")";
  for (const auto& r : p.recipients)
    out += "\n  " + r.address + " action=" + r.action + " status=" + r.status + " diag=" + r.diagnostic;
  for (const auto& problem : p.problems)
    out += "\n  problem: " + problem;
  out += "\n  original message-id: " + p.original_message_id + "\n  candidates:";
  for (const auto& c : p.token_candidates)
    out += " " + c;
  return out;
}

struct Recipient {
  const char* address;
  const char* action;
  const char* status;      // "" when none is expected
  const char* diagnostic;  // a part the diagnostic must contain
};

struct Sample {
  const char* file;
  BounceKind kind;
  std::vector<Recipient> recipients;
  const char* original_message_id = "";  // "" when not checked
  const char* feedback_type = "";        // ARF reports: the Feedback-Type
};

void PrintTo(const Sample& sample, std::ostream* os) {
  *os << sample.file;
}

class BounceSample : public testing::TestWithParam<Sample> {};

TEST_P(BounceSample, ParsesAsExpected) {
  const auto& sample = GetParam();
  auto message = fixture(sample.file);
  ASSERT_FALSE(message.empty()) << sample.file;
  auto parsed = parse_bounce_message(message);
  SCOPED_TRACE(describe(parsed));
  EXPECT_EQ(parsed.kind, sample.kind);
  ASSERT_EQ(parsed.recipients.size(), sample.recipients.size());
  for (std::size_t i = 0; i < sample.recipients.size(); ++i) {
    const auto& want = sample.recipients[i];
    const auto& got = parsed.recipients[i];
    EXPECT_EQ(ascii_lower(got.address), ascii_lower(want.address));
    EXPECT_EQ(got.action, want.action);
    EXPECT_EQ(got.status, want.status);
    EXPECT_NE(got.diagnostic.find(want.diagnostic), std::string::npos) << got.diagnostic;
  }
  if (*sample.feedback_type) {
    ASSERT_TRUE(parsed.arf);
    EXPECT_EQ(parsed.arf->feedback_type, sample.feedback_type);
  }
  if (*sample.original_message_id) {
    EXPECT_EQ(parsed.original_message_id, sample.original_message_id);
  }
}

const Sample kSamples[] = {
    {"exim-02.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.jp", "failed", "5.1.1", "550 5.1.1 <kijitora@example.jp>... User Unknown"},
      {"sabatora@example.jp", "failed", "5.2.1", "550 5.2.1 <sabatora@example.jp>... User Unknown"}},
     "<E1X58pB-0004bW-2s@marutamachi.example.org>"},
    {"courier-01.eml",
     BounceKind::dsn,
     {{"kijitora@example.co.jp", "failed", "5.0.0", "550 5.1.1 <kijitora@example.co.jp>... User Unknown"}}},
    {"domino-01.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.jp", "failed", "", "not listed in Domino Directory"}}},
    {"exchange2003-03.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.jp", "failed", "", "The recipient name is not recognized"}},
     "<00000000000.ffffffffffff.ff@example.net>"},
    {"qmail-01.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.ne.jp", "failed", "5.5.0", "said: 550 Unknown user"}},
     "<000000000.9999999999999.JavaMail.postmaster@mailhub>"},
    {"sendmail-01.eml",
     BounceKind::dsn,
     {{"userunknown@bouncehammer.jp", "failed", "5.1.1",
       "550 5.1.1 <userunknown@bouncehammer.jp>... User Unknown"}},
     "<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>"},
    {"rfc3834-01.eml", BounceKind::auto_reply, {}},
    {"rfc3834-02.eml", BounceKind::auto_reply, {}},
    {"google-02.eml",
     BounceKind::plain_bounce,
     {{"aougoueioaldljgoiuiorghladkgke@example.fr", "failed", "5.1.1", "550 550 5.1.1 user unknown"}},
     "<45B7FBD7-1218-4FCD-ACA1-4706F111E682@gmail.com>"},
    {"amazonses-03.eml",
     BounceKind::dsn,
     {{"kijitora@example.jp", "failed", "5.0.0", "5.2.2 <kijitora@example.jp>... Mailbox Full"}},
     "<00000132d6ca0cd4-ff6d8ee5-29a0-4501-a68a-3ff8695254bb-000000@email.amazonses.com>"},
    {"arf-03.eml", BounceKind::arf, {}, "<f6fbba8a761ce682e1b00a323a21b372@example.net>", "abuse"},
    {"exchange2007-02.eml",
     BounceKind::dsn,
     {{"john.smith@eu.a.b.c", "failed", "5.2.3", "550 5.2.3 RESOLVER.RST.RecipSizeLimit"}},
     "<20100629141825.BC9AC16586D3@server4.example.co.uk>"},
    {"postfix-02.eml",
     BounceKind::dsn,
     {{"filtered@example.co.jp", "failed", "5.2.1", "550 5.2.1 <filtered@example.co.jp>... User Unknown"},
      {"userunknown@example.co.jp", "failed", "5.1.1",
       "550 5.1.1 <userunknown@example.co.jp>... User Unknown"}}},
    {"notes-01.eml",
     BounceKind::plain_bounce,
     {{"kijitora@u1.example.co.jp", "failed", "", "\xe3\x82\xa8\xe3\x83\xa9\xe3\x83\xbc"}},
     "<000000000.0000000000000.notes@example.co.jp>"},
    {"yahooinc-01-crlf.eml",
     BounceKind::dsn,
     {{"kijitora@aol.example.jp", "failed", "5.7.9",
       "554 5.7.9 Message not accepted for policy reasons. See "
       "https://postmaster.verizonmedia.com/error-codes"}},
     "<20201113004812.08513C0196A@smtp.example.jp>"},
    {"arf-04.eml", BounceKind::arf, {}, "<b29c41a473f2$cf33f360$db78e61a$@example.net>", "abuse"},
    {"rfc3834-03.eml", BounceKind::auto_reply, {}},
    {"exim-04.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.ed.jp", "failed", "5.7.0",
       "550 5.7.0 <shironeko@example.jp>... Please use the smtp server"}},
     "<E1P1ce6-000Egt-GZ@e1.example.org>"},
    {"google-03.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.co.jp", "failed", "5.7.0", "554 554 5.7.0 Header error"}},
     "<CBA48452-0888-4AAC-AA4E-0F54D382117F@gmail.com>"},
    {"gmx-02.eml",
     BounceKind::plain_bounce,
     {{"shironeko@example.jp", "failed", "5.1.1", "5.1.1 <shironeko@example.jp>... User Unknown"}},
     "<trinity-fde69d4e-12a0-462b-9dcd-7312ce506d03-1417194013122@3capp-mailcom-lxa07>"},
    {"arf-05.eml", BounceKind::arf, {}, "<8A025E63-47F5-CDA0-78D2-C0E5A944FB10@example.net>", "abuse"},
    {"arf-07.eml", BounceKind::arf, {}, "<105855309.1523556.1415796020873@example.net>", "auth-failure"},
    {"rfc3834-04.eml", BounceKind::auto_reply, {}},
    {"exchange2003-07.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.org", "failed", "", "The recipient name is not recognized"}},
     "<2005042923344500.R00031@example.jp>"},
    {"qmail-03.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.org", "failed", "5.7.1",
       "Remote host said: 550 5.7.1 <root@nijo.example.jp>... Access denied"}},
     "<00000000000000.5529.qmail@nijo.example.jp>"},
    {"imailserver-01.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.com", "failed", "", "Unknown user: kijitora@example.com"}},
     "<00000000.ffffffff@example.org>"},
    {"bigfoot-01.eml",
     BounceKind::dsn,
     {{"destinaion@example.net", "failed", "5.7.1",
       "553 Invalid recipient destinaion@example.net (Mode: normal)"}}},
    {"einsundeins-02.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.org", "failed", "", "Mail size limit exceeded."}},
     "<eeeeeeee.neko.000000000nyaaan-00@smtp.example.jp>"},
    {"gsuite-01.eml",
     BounceKind::dsn,
     {{"kijitora@example.de", "failed", "5.0.0", "550 #5.1.0 Address rejected."}},
     "<00222222-2222-2222-2222-FF00FFFF0000@example.jp>"},
    {"arf-09.eml", BounceKind::arf, {}, "<asdjhi9ldn14@example.net>", "auth-failure"},
    {"outlook-01.eml",
     BounceKind::dsn,
     {{"kijitora@example.jp", "failed", "5.2.2", "550 5.2.2 <kijitora@example.jp>... Mailbox Full"}},
     "<BLU436-SMTP6645ECA6E7FEFFE86D040BBA770@phx.gbl>"},
    {"apple-01-crlf.eml",
     BounceKind::dsn,
     {{"kijitora@example.jp", "failed", "5.1.6", "550 5.1.6 recipient no longer on server"}},
     "<c15e793e1c6acf9fbc39d1547bbd98b4@example.com>"},
    {"postfix-70.eml",
     BounceKind::dsn,
     {{"kijitora@google.example.com", "failed", "5.7.26",
       "550-5.7.26 Unauthenticated email from libsisimai.org is not accepted due to 550-5.7.26 domain's "
       "DMARC"}},
     "<20201113004243.AF578C0196A@smtp.example.jp>"},
    {"arf-11.eml", BounceKind::arf, {}, "ffffffffffffffffffffffffff0000000000@example.net", "abuse"},
    {"arf-13-hotmail-jmrp.eml",
     BounceKind::arf,
     {},
     "<d4cb0d6593464552a34f4429b3e7f92f@example.com>",
     "abuse"},
    {"amazonses-04.eml",
     BounceKind::dsn,
     {{"kijitora@example.com", "failed", "5.0.0", "5.4.7 - Delivery expired (message too old)"}},
     "<00000132e227401e-8b219a82-5a72-41d9-87a7-5077a1286043-000000@email.amazonses.com>"},
    {"courier-02.eml",
     BounceKind::dsn,
     {{"kijitora@example.jp", "failed", "5.0.0", "550 Unknown user kijitora@example.jp"}},
     "<201012100421.oBA4LJFU042012@1jo.example.org>"},
    {"v5sendmail-01-crlf.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.com", "failed", "", "421 example.com (smtp)... Deferred: Connection timed out"}}},
    {"exim-30.eml",
     BounceKind::plain_bounce,
     {{"kijitora@exmaple.ch", "failed", "5.7.1",
       "554 5.7.1 <kijitora@exmaple.ch>: Recipient address rejected"}},
     "<22222222-2222-2222-2222-222222222222@example.de>"},
    {"amazonworkmail-01.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.jp", "failed", "5.1.1", "550 5.1.1 <kijitora@example.jp>... User Unknown"}},
     "<000001523f1865dd-0dbfd06e-bfce-4637-b049-3318ea42f98a-000000@us-west-2.amazonses.com>"},
    {"yahoo-ndn-deltachat.eml",
     BounceKind::plain_bounce,
     {{"haeclirth.sinoenrat@yahoo.com", "failed", "", "554: delivery error: dd Not a valid recipient"}},
     "<1680295672.3657931.1591783872936@mail.yahoo.com>"},
    {"aol-ndn-deltachat.eml",
     BounceKind::plain_bounce,
     {{"hsnaeirternaeiho@testrun.org", "failed", "5.1.1", "Recipient address rejected: User unknown"}},
     "<1772450882.1447284.1591785747540@mail.yahoo.com>"},
};

INSTANTIATE_TEST_SUITE_P(Corpus, BounceSample, testing::ValuesIn(kSamples),
                         [](const testing::TestParamInfo<Sample>& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.rfind('.'));
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(BounceKindNames, MatchTheDatabase) {
  EXPECT_EQ(to_string(BounceKind::dsn), "dsn");
  EXPECT_EQ(to_string(BounceKind::arf), "arf");
  EXPECT_EQ(to_string(BounceKind::plain_bounce), "plain-bounce");
  EXPECT_EQ(to_string(BounceKind::auto_reply), "auto-reply");
  EXPECT_EQ(to_string(BounceKind::unknown), "unknown");
  EXPECT_EQ(to_string(BounceTokenStatus::none), "none");
  EXPECT_EQ(to_string(BounceTokenStatus::forged), "forged");
  EXPECT_EQ(to_string(BounceTokenStatus::valid), "valid");
}

// A DSN as relayctl's tests build them: per-recipient groups given, the returned header given.
std::string dsn(const std::string& groups, const std::string& returned_header = "Message-ID: <orig@x.test>\n",
                const std::string& top = "") {
  return "From: MAILER-DAEMON@mx.example.net\nTo: bounces@bounce.example.com\nSubject: Returned mail\n"
         "Message-ID: <dsn-1@mx.example.net>\nAuto-Submitted: auto-replied\n" +
         top +
         "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
         "--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"
         "--B\nContent-Type: message/delivery-status\n\n"
         "Reporting-MTA: dns; mx.example.net\nOriginal-Envelope-Id: env-42\n"
         "Arrival-Date: Mon, 7 Dec 2026 10:00:00 +0000\n\n" +
         groups + "\n--B\nContent-Type: text/rfc822-headers\n\n" + returned_header + "\n--B--\n";
}

TEST(BounceDsn, ReadsEveryField) {
  auto parsed = parse_bounce_message(
      dsn("Original-Recipient: rfc822; Alice@Example.org\nFinal-Recipient: rfc822; alice@example.org\n"
          "Action: failed\nStatus: 5.1.1\nRemote-MTA: dns; mx1.example.org\n"
          "Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does\n"
          "    not exist. Please try\n\tdouble-checking the recipient's email address\n"
          "Last-Attempt-Date: Mon, 7 Dec 2026 10:01:00 +0000\n\n"
          "Final-Recipient: rfc822;bob@example.org\nAction: Delayed\nStatus: 4.2.2\n"
          "Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n"));
  SCOPED_TRACE(describe(parsed));
  EXPECT_EQ(parsed.kind, BounceKind::dsn);
  EXPECT_EQ(parsed.dsn.reporting_mta, "mx.example.net");
  EXPECT_EQ(parsed.dsn.original_envelope_id, "env-42");
  EXPECT_EQ(parsed.dsn.arrival_date, "Mon, 7 Dec 2026 10:00:00 +0000");
  EXPECT_EQ(parsed.message_id, "<dsn-1@mx.example.net>");
  EXPECT_EQ(parsed.original_message_id, "<orig@x.test>");
  ASSERT_EQ(parsed.recipients.size(), 2u);
  const auto& a = parsed.recipients[0];
  EXPECT_EQ(a.address, "alice@example.org");
  EXPECT_EQ(a.original_recipient, "Alice@Example.org");
  EXPECT_EQ(a.action, "failed");
  EXPECT_EQ(a.status, "5.1.1");
  EXPECT_EQ(a.remote_mta, "mx1.example.org");
  EXPECT_EQ(
      a.diagnostic,
      "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the "
      "recipient's email address");
  EXPECT_EQ(a.last_attempt_date, "Mon, 7 Dec 2026 10:01:00 +0000");
  EXPECT_EQ(parsed.recipients[1].action, "delayed");
  EXPECT_EQ(parsed.recipients[1].status, "4.2.2");
  EXPECT_TRUE(parsed.problems.empty());
}

TEST(BounceDsn, DeliveryStatusWithGarbageFallsBackToTheText) {
  std::string message =
      "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\nSubject: Mail delivery failed\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
      "--B\nContent-Type: text/plain\n\n"
      "This message was created automatically by mail delivery software.\n\n"
      "A message that you sent could not be delivered to one or more of its\n"
      "recipients. This is a permanent error. The following address(es) failed:\n\n"
      "  carol@example.org\n    host mx.example.org [192.0.2.1]: 550 5.1.1 No such user\n\n"
      "--B\nContent-Type: message/delivery-status\n\n\x01\x02garbage without fields\n%%%%\n--B--\n";
  auto parsed = parse_bounce_message(message);
  SCOPED_TRACE(describe(parsed));
  EXPECT_EQ(parsed.kind, BounceKind::plain_bounce);
  ASSERT_EQ(parsed.recipients.size(), 1u);
  EXPECT_EQ(parsed.recipients[0].address, "carol@example.org");
  EXPECT_EQ(parsed.recipients[0].status, "5.1.1");
  ASSERT_FALSE(parsed.problems.empty());
  EXPECT_NE(parsed.problems.back().find("the delivery-status part holds no fields"), std::string::npos);
}

TEST(BounceDsn, ReportWithoutDeliveryStatusPartIsNamed) {
  std::string message =
      "From: postmaster@mx.example.net\nSubject: Undeliverable: hello\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
      "--B\nContent-Type: text/plain\n\nnothing useful here\n--B--\n";
  auto parsed = parse_bounce_message(message);
  SCOPED_TRACE(describe(parsed));
  EXPECT_EQ(parsed.kind, BounceKind::plain_bounce);
  EXPECT_TRUE(parsed.recipients.empty());
  ASSERT_FALSE(parsed.problems.empty());
  EXPECT_NE(parsed.problems.front().find("without a message/delivery-status part"), std::string::npos);
}

TEST(BounceDsn, DeliveryStatusWithoutRecipientsAndNoTextStaysADsnWithAProblem) {
  auto parsed = parse_bounce_message(dsn("Action: failed\nStatus: 5.0.0\n"));
  EXPECT_EQ(parsed.kind, BounceKind::dsn);
  EXPECT_TRUE(parsed.recipients.empty());
  EXPECT_GE(parsed.problems.size(), 2u);
}

TEST(BounceDsn, AReturnedDsnInsideIsNotRead) {
  std::string inner = dsn("Final-Recipient: rfc822; inner@example.org\nAction: failed\nStatus: 5.1.1\n");
  std::string message =
      "From: MAILER-DAEMON@outer.example\nSubject: Returned mail\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=\"O\"\n\n"
      "--O\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; outer.example\n\n"
      "Final-Recipient: rfc822; outer@example.org\nAction: delayed\nStatus: 4.4.1\n\n"
      "--O\nContent-Type: message/rfc822\n\n" + inner + "\n--O--\n";
  auto parsed = parse_bounce_message(message);
  ASSERT_EQ(parsed.recipients.size(), 1u) << describe(parsed);
  EXPECT_EQ(parsed.recipients[0].address, "outer@example.org");
  EXPECT_EQ(parsed.recipients[0].action, "delayed");
  EXPECT_EQ(parsed.dsn.reporting_mta, "outer.example");
}

TEST(BounceDsn, GlobalDeliveryStatusIsRead) {
  std::string message =
      "From: MAILER-DAEMON@mx.example\nContent-Type: multipart/report; report-type=global-delivery-status; "
      "boundary=\"G\"\n\n--G\nContent-Type: message/global-delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
      "Final-Recipient: utf-8; j\xc3\xb6rg@example.de\nAction: failed\nStatus: 5.1.1\n\n--G--\n";
  auto parsed = parse_bounce_message(message);
  EXPECT_EQ(parsed.kind, BounceKind::dsn);
  ASSERT_EQ(parsed.recipients.size(), 1u) << describe(parsed);
  EXPECT_EQ(parsed.recipients[0].address, "j\xc3\xb6rg@example.de");
}

TEST(BounceArf, ReadsTheReportAndTheOriginal) {
  std::string message =
      "From: staff@hotmail.com\nTo: fbl@example.com\nSubject: complaint\nMessage-ID: <fbl-1@hotmail.com>\n"
      "Content-Type: multipart/report; report-type=feedback-report; boundary=\"A\"\n\n"
      "--A\nContent-Type: text/plain\n\nThis is an email abuse report.\n\n"
      "--A\nContent-Type: message/feedback-report\n\n"
      "Feedback-Type: abuse\nUser-Agent: SomeGenerator/1.0\nVersion: 1\n"
      "Original-Mail-From: <bounces+c.1.x@bounce.example.com>\nOriginal-Rcpt-To: <user@example.com>\n"
      "Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT\nSource-IP: 192.0.2.1\nReported-Domain: example.net\n"
      "Reported-Domain: example.org\n\n"
      "--A\nContent-Type: message/rfc822\n\n"
      "Return-Path: <bounces+c.2.y@bounce.example.com>\nFrom: <somespammer@example.net>\n"
      "Message-ID: <8787KJKJ3K4J3K4J3K4J3.mail@example.net>\nSubject: Earn money\n\nSpam\n--A--\n";
  auto parsed = parse_bounce_message(message, "<fbl+z.3.w@bounce.example.com>");
  SCOPED_TRACE(describe(parsed));
  EXPECT_EQ(parsed.kind, BounceKind::arf);
  ASSERT_TRUE(parsed.arf);
  EXPECT_EQ(parsed.arf->feedback_type, "abuse");
  EXPECT_EQ(parsed.arf->user_agent, "SomeGenerator/1.0");
  EXPECT_EQ(parsed.arf->version, "1");
  EXPECT_EQ(parsed.arf->original_mail_from, "bounces+c.1.x@bounce.example.com");
  EXPECT_EQ(parsed.arf->original_rcpt_to, std::vector<std::string>{"user@example.com"});
  EXPECT_EQ(parsed.arf->arrival_date, "Thu, 8 Mar 2005 14:00:00 EDT");
  EXPECT_EQ(parsed.arf->source_ip, "192.0.2.1");
  EXPECT_EQ(parsed.arf->reported_domains, (std::vector<std::string>{"example.net", "example.org"}));
  EXPECT_EQ(parsed.original_message_id, "<8787KJKJ3K4J3K4J3K4J3.mail@example.net>");
  EXPECT_EQ(parsed.token_candidates,
            (std::vector<std::string>{"fbl+z.3.w@bounce.example.com", "bounces+c.1.x@bounce.example.com",
                                      "bounces+c.2.y@bounce.example.com"}));
  EXPECT_TRUE(parsed.problems.empty());
}

TEST(BounceArf, LegacyHotmailComplaintNamesTheComplainer) {
  auto parsed = parse_bounce_message(fixture("arf-13-hotmail-jmrp.eml"));
  ASSERT_TRUE(parsed.arf);
  EXPECT_EQ(parsed.detail, "hotmail-jmrp");
  EXPECT_EQ(parsed.arf->original_rcpt_to, std::vector<std::string>{"recipient@hotmail.com"});
  EXPECT_EQ(parsed.arf->original_mail_from, "sender@example.com");
  EXPECT_EQ(parsed.token_candidates, std::vector<std::string>{"sender@example.com"});
}

TEST(BounceArf, MissingRequiredFieldsAreProblems) {
  std::string message =
      "From: fbl@example.net\nContent-Type: multipart/report; report-type=feedback-report; boundary=\"A\"\n\n"
      "--A\nContent-Type: message/feedback-report\n\nFeedback-Type: weird\n\n--A--\n";
  auto parsed = parse_bounce_message(message);
  EXPECT_EQ(parsed.kind, BounceKind::arf);
  ASSERT_EQ(parsed.problems.size(), 3u) << describe(parsed);
  EXPECT_NE(parsed.problems[0].find("User-Agent"), std::string::npos);
  EXPECT_NE(parsed.problems[2].find("weird"), std::string::npos);
}

struct AutoReply {
  const char* label;
  const char* header;
  const char* body;
};

class BounceAutoReply : public testing::TestWithParam<AutoReply> {};

TEST_P(BounceAutoReply, IsRecognised) {
  std::string message = std::string("From: someone@example.org\nTo: bounces+c.1.x@bounce.example.com\n") +
                        GetParam().header + "\n\n" + GetParam().body + "\n";
  auto parsed = parse_bounce_message(message);
  EXPECT_EQ(parsed.kind, BounceKind::auto_reply) << describe(parsed);
  EXPECT_TRUE(parsed.recipients.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Signs, BounceAutoReply,
    testing::Values(
        AutoReply{"rfc3834", "Subject: Re: offer\nAuto-Submitted: auto-replied (vacation)", "I am away."},
        AutoReply{"x_autoreply", "Subject: Re: offer\nX-Autoreply: yes", "Away."},
        AutoReply{"x_autorespond", "Subject: Re: offer\nX-Autorespond: Re: offer", "Away."},
        AutoReply{"precedence", "Subject: Re: offer\nPrecedence: auto_reply", "Away."},
        AutoReply{"outlook", "Subject: Automatic reply: Spring sale", "I am out until Monday."},
        AutoReply{"german", "Subject: Abwesenheitsnotiz: Spring sale", "Ich bin nicht im Buero."},
        AutoReply{"french", "Subject: =?UTF-8?Q?R=C3=A9ponse_automatique=C2=A0:_Spring?=", "Absent."},
        AutoReply{"challenge", "Subject: Please confirm your message",
                  "Click the link to deliver your message."},
        AutoReply{"spam_verify", "Subject: [SPAM?] Spring sale - please verify", "Verify you are human."},
        AutoReply{"boxbe", "Subject: Re: offer\nX-Boxbe-Pending: yes", "Your message is pending."},
        AutoReply{"spamarrest", "Subject: Re: offer",
                  "I am protecting myself from receiving junk mail. Please click the link below."}),
    [](const testing::TestParamInfo<AutoReply>& info) { return std::string(info.param.label); });

TEST(BounceUnknown, OrdinaryMailAndEmptyInput) {
  auto plain = parse_bounce_message("From: a@example.org\nSubject: hello\n\nJust a note.\n");
  EXPECT_EQ(plain.kind, BounceKind::unknown);
  EXPECT_TRUE(plain.recipients.empty());
  auto empty = parse_bounce_message("");
  EXPECT_EQ(empty.kind, BounceKind::unknown);
  auto binary = parse_bounce_message(std::string("\0\xff\xfe\n\n\0", 7));
  EXPECT_EQ(binary.kind, BounceKind::unknown);
}

TEST(BounceLimits, OversizedMessageIsCutWithAReason) {
  BounceParseLimits limits;
  limits.max_message_bytes = 64 * 1024;
  std::string message = dsn("Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n",
                            "Message-ID: <orig@x.test>\n" + std::string(200 * 1024, 'x') + "\n");
  auto parsed = parse_bounce_message(message, "", limits);
  EXPECT_TRUE(parsed.truncated);
  ASSERT_FALSE(parsed.problems.empty());
  EXPECT_NE(parsed.problems.front().find("over the limit of 65536"), std::string::npos);
  EXPECT_EQ(parsed.kind, BounceKind::dsn);
  EXPECT_EQ(parsed.recipients.size(), 1u);
}

TEST(BounceLimits, HugePartIsReadCheaply) {
  std::string base64;
  for (int i = 0; i < 120000; ++i)
    base64 += "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n";  // ~9 MB
  std::string message = dsn("Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n");
  message.insert(
      message.find("--B\nContent-Type: message/delivery-status"),
      "--B\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n" + base64);
  auto parsed = parse_bounce_message(message);
  EXPECT_EQ(parsed.kind, BounceKind::dsn) << describe(parsed);
  EXPECT_EQ(parsed.recipients.size(), 1u);
}

std::string nested_multipart(int depth) {
  std::string head, tail;
  for (int i = 0; i < depth; ++i)
    head += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" +
            std::to_string(i) + "\n";
  for (int i = depth - 1; i >= 0; --i) tail += "\n--b" + std::to_string(i) + "--\n";
  return "From: MAILER-DAEMON@x.test\nSubject: Undelivered Mail\nMIME-Version: 1.0\n" + head +
         "Content-Type: text/plain\n\ninner\n" + tail;
}

TEST(BounceLimits, DeepNestingIsCutBeforeGMimeRecurses) {
  // 50,000 levels would overflow GMime's recursion (a crash under ASan); the parser cuts them first.
  auto parsed = parse_bounce_message(nested_multipart(50000));
  EXPECT_TRUE(parsed.truncated);
  bool named = false;
  for (const auto& p : parsed.problems)
    named = named || p.find("too deep a nesting") != std::string::npos;
  EXPECT_TRUE(named) << describe(parsed);
}

TEST(BounceLimits, NestingPastTheDepthLimitIsNotRead) {
  auto parsed = parse_bounce_message(nested_multipart(20));
  EXPECT_FALSE(parsed.truncated);
  bool named = false;
  for (const auto& p : parsed.problems)
    named = named || p.find("deeper than 8") != std::string::npos;
  EXPECT_TRUE(named) << describe(parsed);
}

TEST(BounceLimits, NestedMessagesAreBounded) {
  std::string message = "From: MAILER-DAEMON@x.test\nSubject: failure notice\n";
  for (int i = 0; i < 100000; ++i)
    message += "Content-Type: message/rfc822\n\n";
  message += "Subject: inner\n\nbody\n";
  auto parsed = parse_bounce_message(message);
  EXPECT_TRUE(parsed.truncated) << describe(parsed);
}

TEST(BounceLimits, ManyPartsAreBounded) {
  std::string message = "From: MAILER-DAEMON@x.test\nContent-Type: multipart/mixed; boundary=\"p\"\n\n";
  for (int i = 0; i < 500; ++i)
    message += "--p\nContent-Type: text/plain\n\npart " + std::to_string(i) + "\n";
  message += "--p--\n";
  auto parsed = parse_bounce_message(message);
  bool named = false;
  for (const auto& p : parsed.problems)
    named = named || p.find("more than 100 MIME parts") != std::string::npos ||
            p.find("too many MIME parts") != std::string::npos;
  EXPECT_TRUE(named) << describe(parsed);
}

TEST(BounceLimits, RecipientsAreCapped) {
  std::string groups;
  for (int i = 0; i < 1500; ++i)
    groups += "Final-Recipient: rfc822; user" + std::to_string(i) +
              "@example.org\nAction: failed\nStatus: 5.1.1\n\n";
  auto parsed = parse_bounce_message(dsn(groups));
  EXPECT_EQ(parsed.kind, BounceKind::dsn);
  EXPECT_EQ(parsed.recipients.size(), 1000u);
  bool named = false;
  for (const auto& p : parsed.problems)
    named = named || p.find("more than 1000 recipients") != std::string::npos;
  EXPECT_TRUE(named) << describe(parsed);
}

TEST(BounceLimits, FieldsAreCapped) {
  auto parsed = parse_bounce_message(dsn(
      "Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 " +
      std::string(100000, 'y') + "\n"));
  ASSERT_EQ(parsed.recipients.size(), 1u);
  EXPECT_LE(parsed.recipients[0].diagnostic.size(), 1000u);
  EXPECT_EQ(parsed.recipients[0].diagnostic.rfind("550 yyy", 0), 0u);
}

const TokenSecret kSecret = TokenSecret::from_bytes("0123456789abcdef0123456789abcdef-bounce-parser-test");

std::string verp(const char* campaign, const char* recipient) {
  return "bounces+" + make_token(kSecret, *CampaignId::parse(campaign), *RecipientId::parse(recipient)) +
         "@bounce.example.com";
}

ParsedBounce bounce_with_return_path(const std::string& return_path, std::string_view envelope = {}) {
  return parse_bounce_message(dsn("Final-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n",
                                  "Return-Path: <" + return_path + ">\nMessage-ID: <orig@x.test>\n"),
                              envelope);
}

TEST(BounceToken, ValidFromTheReturnedReturnPath) {
  auto parsed = bounce_with_return_path(verp("spring-24", "4711"));
  EXPECT_EQ(parsed.original_return_path, verp("spring-24", "4711"));
  auto token = match_bounce_token(kSecret, parsed.token_candidates);
  EXPECT_EQ(token.status, BounceTokenStatus::valid);
  ASSERT_TRUE(token.ids);
  EXPECT_EQ(token.ids->campaign.str(), "spring-24");
  EXPECT_EQ(token.ids->recipient.str(), "4711");
}

TEST(BounceToken, ForgedWhenTheMacFails) {
  auto address = verp("spring-24", "4711");
  address[address.find('@') - 1] = address[address.find('@') - 1] == 'a' ? 'b' : 'a';
  auto token = match_bounce_token(kSecret, bounce_with_return_path(address).token_candidates);
  EXPECT_EQ(token.status, BounceTokenStatus::forged);
  EXPECT_FALSE(token.ids);
  EXPECT_EQ(token.address, address);
  auto other = TokenSecret::from_bytes("another secret of thirty-two bytes or more....");
  auto wrong = match_bounce_token(other, bounce_with_return_path(verp("spring-24", "4711")).token_candidates);
  EXPECT_EQ(wrong.status, BounceTokenStatus::forged);
}

TEST(BounceToken, NoneWithoutATokenShape) {
  for (const char* address :
       {"sender@example.com", "user+tag@gmail.com", "bounces+a.b@bounce.example.com", ""}) {
    auto token = match_bounce_token(kSecret, bounce_with_return_path(address).token_candidates);
    EXPECT_EQ(token.status, BounceTokenStatus::none) << address;
  }
}

TEST(BounceToken, EnvelopeRecipientComesFirstAndAValidTokenBeatsAForgedOne) {
  auto forged = verp("spring-24", "1");
  forged[forged.find('.') + 1] = '9';
  auto parsed = bounce_with_return_path(verp("spring-24", "2"), "<" + forged + ">");
  ASSERT_EQ(parsed.token_candidates.size(), 2u);
  EXPECT_EQ(parsed.token_candidates[0], forged);
  auto token = match_bounce_token(kSecret, parsed.token_candidates);
  EXPECT_EQ(token.status, BounceTokenStatus::valid);
  EXPECT_EQ(token.ids->recipient.str(), "2");
  EXPECT_EQ(check_verp_candidate(kSecret, forged).status, TokenStatus::forged);
  EXPECT_EQ(check_verp_candidate(kSecret, "BOUNCES+" + verp("spring-24", "3").substr(8)).status,
            TokenStatus::valid);
}

TEST(BouncePlain, EnvelopeRecipientIsNeverAFailedRecipient) {
  std::string message =
      "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n"
      "Hi. This is the qmail-send program at mx.example.net.\n"
      "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
      "<dave@example.org>:\n192.0.2.5 does not like recipient.\nRemote host said: 550 5.1.1 unknown user\n"
      "Giving up on 192.0.2.5.\n\nPlease write to bounces+c.1.x@bounce.example.com for help\n";
  auto parsed = parse_bounce_message(message, "bounces+c.1.x@bounce.example.com");
  ASSERT_EQ(parsed.recipients.size(), 1u) << describe(parsed);
  EXPECT_EQ(parsed.recipients[0].address, "dave@example.org");
  EXPECT_NE(parsed.recipients[0].diagnostic.find("Remote host said: 550 5.1.1 unknown user"),
            std::string::npos);
}

}  // namespace
}  // namespace campaigns
