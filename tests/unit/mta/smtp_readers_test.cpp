// The line reader and the DATA reader: limits, dot-stuffing, bare LF/CR, NUL, pipelined leftovers, and
// every split of the input into chunks giving the same result.
#include <gtest/gtest.h>

#include "mta/smtp/base64.hpp"
#include "mta/smtp/data_reader.hpp"
#include "mta/smtp/line_reader.hpp"
#include "mta/smtp/message_headers.hpp"
#include "mta/smtp/reply.hpp"

namespace {

using namespace mta::smtp;

TEST(LineReader, SplitsLinesAndStripsCr) {
  LineReader reader(512);
  reader.feed("EHLO a\r\nNOOP\nQU");
  EXPECT_EQ(reader.next()->text, "EHLO a");
  EXPECT_EQ(reader.next()->text, "NOOP");
  EXPECT_FALSE(reader.next());
  reader.feed("IT\r\n");
  EXPECT_EQ(reader.next()->text, "QUIT");
}

TEST(LineReader, OverlongLineIsReportedOnceAndDiscarded) {
  LineReader reader(512);
  reader.feed(std::string(600, 'a'));
  EXPECT_FALSE(reader.next());
  reader.feed(std::string(5000, 'b'));
  EXPECT_FALSE(reader.next());
  reader.feed("c\r\nNOOP\r\n");
  auto line = reader.next();
  ASSERT_TRUE(line);
  EXPECT_TRUE(line->too_long);
  EXPECT_EQ(reader.next()->text, "NOOP");
}

TEST(LineReader, ExactlyTheLimitIsAccepted) {
  LineReader reader(512);
  reader.feed(std::string(510, 'a') + "\r\n" + std::string(511, 'a') + "\r\n");
  EXPECT_FALSE(reader.next()->too_long);
  EXPECT_TRUE(reader.next()->too_long);
}

struct DataCase {
  std::string label;
  std::string input;
  std::string body;
  std::optional<SmtpError> problem;
  std::string rest;
};

class ReadData : public ::testing::TestWithParam<DataCase> {};

TEST_P(ReadData, EveryChunkingGivesTheSameResult) {
  const auto& c = GetParam();
  for (std::size_t chunk = 1; chunk <= c.input.size(); chunk = chunk * 2 + 1) {
    DataReader reader(100, 1000);
    std::string rest;
    for (std::size_t i = 0; i < c.input.size(); i += chunk) {
      std::string_view piece = std::string_view(c.input).substr(i, chunk);
      if (reader.done()) {
        rest.append(piece);
        continue;
      }
      std::size_t used = reader.feed(piece);
      rest.append(piece.substr(used));
    }
    EXPECT_TRUE(reader.done()) << chunk;
    EXPECT_EQ(reader.problem(), c.problem) << chunk;
    if (!c.problem) {
      EXPECT_EQ(reader.body(), c.body) << chunk;
    }
    EXPECT_EQ(rest, c.rest) << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ReadData,
    ::testing::Values(
        DataCase{"simple", "a\r\nb\r\n.\r\n", "a\r\nb\r\n", std::nullopt, ""},
        DataCase{"empty", ".\r\n", "", std::nullopt, ""},
        DataCase{"dot_stuffed", "..x\r\n.\r\n", ".x\r\n", std::nullopt, ""},
        DataCase{"pipelined_rest", "a\r\n.\r\nQUIT\r\n", "a\r\n", std::nullopt, "QUIT\r\n"},
        DataCase{"bare_lf", "a\nb\r\n.\r\n", "", SmtpError::bare_lf_data, ""},
        DataCase{"smuggling_lf_dot", "a\r\n\n.\r\nMAIL FROM:<x@y>\r\n.\r\n", "", SmtpError::bare_lf_data, ""},
        DataCase{"bare_cr", "a\rb\r\n.\r\n", "", SmtpError::bare_lf_data, ""},
        DataCase{"nul", std::string("a\0b\r\n.\r\n", 8), "", SmtpError::nul_in_data, ""},
        DataCase{"too_big", std::string(150, 'x') + "\r\n.\r\n", "", SmtpError::message_too_big, ""},
        DataCase{"dot_lf_not_end", "a\r\n.\nb\r\n.\r\n", "", SmtpError::bare_lf_data, ""}),
    [](const auto& info) { return info.param.label; });

TEST(ReadData, LineLongerThanTheLimitIsFlagged) {
  DataReader ok(1 << 20, 1000), bad(1 << 20, 1000);
  ok.feed(std::string(998, 'x') + "\r\n.\r\n");
  bad.feed(std::string(999, 'x') + "\r\n.\r\n");
  EXPECT_FALSE(ok.problem());
  EXPECT_EQ(bad.problem(), SmtpError::text_line_too_long);
}

TEST(Base64, RoundTripsAndRejectsGarbage) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", std::string("\0alice\0secret", 13)})
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_encode("Username:"), "VXNlcm5hbWU6");
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("ab=c"));
  EXPECT_FALSE(base64_decode("a b="));
}

TEST(Reply, FormatsMultilineWithEnhancedCodes) {
  Reply reply{250, "2.0.0", {"first", "second\r\nINJECTED"}};
  EXPECT_EQ(reply.format(), "250-2.0.0 first\r\n250 2.0.0 secondINJECTED\r\n");
  EXPECT_EQ(reply_for(SmtpError::relay_denied).format(), "554 5.7.1 Relay access denied\r\n");
}

TEST(Headers, ScansMessageIdDateAndFrom) {
  auto summary = scan_headers(
      "From: Alice <alice@Example.COM>,\r\n bob@other.example\r\nDate: x\r\nSubject: y\r\n\r\nMessage-ID: "
      "body\r\n");
  EXPECT_TRUE(summary.has_date);
  EXPECT_FALSE(summary.has_message_id);
  EXPECT_EQ(summary.from_domains, (std::vector<std::string>{"example.com", "other.example"}));
  EXPECT_EQ(rfc5322_date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
}

}  // namespace
