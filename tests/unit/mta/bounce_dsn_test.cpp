#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mta/bounce/dsn.hpp"
#include "tests/support/process.hpp"

namespace mta::bounce {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

DsnInput failed_input() {
  DsnInput in;
  in.reporting_mta = "mta1.example.com";
  in.envelope_sender = "bounces@example.com";
  in.envelope_id = "campaign-42";
  in.arrival = Clock::time_point{} + std::chrono::hours(24 * 365 * 56);
  in.original_headers = "From: News <news@example.com>\nTo: jane@example.org\nSubject: Hello\n";
  DsnRecipient r;
  r.final_recipient = "jane@example.org";
  r.original_recipient = "rfc822;jane@example.org";
  r.status = "5.1.1";
  r.remote_mta = "mx.example.org";
  r.diagnostic = "550-5.1.1 The email account that you tried to reach does not exist.\r\n\x01 550 5.1.1 " +
                 std::string(300, 'x') + " more words after the long one";
  r.last_attempt = in.arrival + std::chrono::minutes(1);
  in.recipients.push_back(r);
  return in;
}

TEST(Dsn, NeverForTheNullSender) {
  DsnInput in = failed_input();
  in.envelope_sender.clear();
  EXPECT_FALSE(build_dsn(in));
  in = failed_input();
  in.recipients.clear();
  EXPECT_FALSE(build_dsn(in));
}

TEST(Dsn, FailedReportHasTheRfc3464Fields) {
  auto dsn = build_dsn(failed_input());
  ASSERT_TRUE(dsn);
  EXPECT_EQ(dsn->recipient, "bounces@example.com");
  const std::string& m = dsn->message;
  EXPECT_THAT(m, HasSubstr("Content-Type: multipart/report; report-type=delivery-status;"));
  EXPECT_THAT(m, HasSubstr("Auto-Submitted: auto-replied\r\n"));
  EXPECT_THAT(m, HasSubstr("Reporting-MTA: dns; mta1.example.com\r\n"));
  EXPECT_THAT(m, HasSubstr("Original-Envelope-Id: campaign-42\r\n"));
  EXPECT_THAT(m, HasSubstr("Final-Recipient: rfc822; jane@example.org\r\n"));
  EXPECT_THAT(m, HasSubstr("Original-Recipient: rfc822;jane@example.org\r\n"));
  EXPECT_THAT(m, HasSubstr("Action: failed\r\nStatus: 5.1.1\r\nRemote-MTA: dns; mx.example.org\r\n"));
  EXPECT_THAT(m, HasSubstr("Diagnostic-Code: smtp; 550-5.1.1 The email account"));
  EXPECT_THAT(m, HasSubstr("Content-Type: text/rfc822-headers\r\n\r\nFrom: News <news@example.com>\r\n"));
  EXPECT_THAT(m, Not(HasSubstr("\x01")));
  for (std::size_t start = 0, end; (end = m.find("\r\n", start)) != std::string::npos; start = end + 2)
    EXPECT_LE(end - start, 998u) << "line too long at offset " << start;
  EXPECT_EQ(m.find('\n'), m.find("\r\n") + 1);  // CRLF throughout (spot check)
}

TEST(Dsn, DelayedReportSaysItWillRetry) {
  DsnInput in = failed_input();
  in.recipients[0].action = DsnAction::delayed;
  in.recipients[0].status = "4.4.1";
  in.recipients[0].will_retry_until = in.arrival + std::chrono::hours(120);
  auto dsn = build_dsn(in);
  ASSERT_TRUE(dsn);
  EXPECT_THAT(dsn->message, HasSubstr("Subject: Delayed Mail (still being retried)"));
  EXPECT_THAT(dsn->message, HasSubstr("Action: delayed\r\nStatus: 4.4.1\r\n"));
  EXPECT_THAT(dsn->message, HasSubstr("Will-Retry-Until: "));
}

TEST(Dsn, Rfc5322Date) {
  EXPECT_EQ(rfc5322_date(Clock::time_point{} + std::chrono::seconds(1795395669)),
            "Mon, 23 Nov 2026 01:01:09 +0000");
}

// An independent MIME parser (Python's email package) must see a well-formed multipart/report with a
// delivery-status part whose per-recipient fields parse, and folded fields that unfold to the original text.
TEST(Dsn, ParsesWithAnIndependentMimeParser) {
  DsnInput in = failed_input();
  in.original_message = "From: news@example.com\nSubject: Hello\n\nBody line\n";
  auto dsn = build_dsn(in);
  ASSERT_TRUE(dsn);
  const char* script = R"(
import sys, email
from email import policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.compat32)
assert m.get_content_type() == 'multipart/report', m.get_content_type()
assert m.get_param('report-type') == 'delivery-status'
parts = m.get_payload()
assert [p.get_content_type() for p in parts] == ['text/plain', 'message/delivery-status', 'message/rfc822'], [p.get_content_type() for p in parts]
status = parts[1].get_payload()
assert status[0]['Reporting-MTA'] == 'dns; mta1.example.com'
r = status[1]
assert r['Action'] == 'failed' and r['Status'] == '5.1.1', (r['Action'], r['Status'])
diag = ' '.join(r['Diagnostic-Code'].split())
assert diag.endswith('x more words after the long one'), diag
assert parts[2].get_payload()[0]['Subject'] == 'Hello'
print('ok')
)";
  relay::test::RunOptions options;
  options.input = dsn->message;
  auto result = relay::test::run({"python3", "-c", script}, options);
  EXPECT_EQ(result.exit_code, 0) << result.err << dsn->message;
  EXPECT_EQ(result.out, "ok\n");
}

}  // namespace
}  // namespace mta::bounce
