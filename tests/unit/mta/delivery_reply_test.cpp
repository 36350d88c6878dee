#include <gtest/gtest.h>

#include "mta/delivery/reply.hpp"

namespace mta::delivery {
namespace {

std::vector<Reply> read_all(ReplyReader& reader, std::string_view bytes, ReplyReader::State* last = nullptr) {
  reader.feed(bytes);
  std::vector<Reply> out;
  Reply reply;
  ReplyReader::State state;
  while ((state = reader.next(reply)) == ReplyReader::State::reply)
    out.push_back(reply);
  if (last) *last = state;
  return out;
}

TEST(ReplyReader, SingleAndMultiLineReplies) {
  ReplyReader reader;
  auto replies = read_all(
      reader, "220 mx.example.org ESMTP\r\n250-mx.example.org\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].code, 220);
  EXPECT_EQ(replies[1].code, 250);
  EXPECT_EQ(replies[1].lines, (std::vector<std::string>{"mx.example.org", "PIPELINING", "STARTTLS"}));
  EXPECT_EQ(replies[1].text(), "250 mx.example.org PIPELINING STARTTLS");
}

TEST(ReplyReader, BytesArriveInPieces) {
  ReplyReader reader;
  std::string wire =
      "550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 Try again.\r\n";
  ReplyReader::State state;
  for (std::size_t i = 0; i + 1 < wire.size(); ++i) {
    EXPECT_TRUE(read_all(reader, wire.substr(i, 1), &state).empty());
    EXPECT_EQ(state, ReplyReader::State::need_more);
  }
  auto replies = read_all(reader, wire.substr(wire.size() - 1));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(replies[0].permanent());
  ASSERT_TRUE(replies[0].enhanced);
  EXPECT_EQ(replies[0].enhanced->to_string(), "5.1.1");
  EXPECT_EQ(reader.buffered(), 0u);
}

TEST(ReplyReader, EnhancedCodeMustAgreeWithTheReplyClass) {
  ReplyReader reader;
  auto replies =
      read_all(reader, "451 4.7.1 try later\r\n250 2.1.5 ok\r\n550 4.1.1 inconsistent\r\n250 ok\r\n");
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(replies[0].enhanced, (EnhancedCode{4, 7, 1}));
  EXPECT_TRUE(replies[0].transient());
  EXPECT_EQ(replies[1].enhanced, (EnhancedCode{2, 1, 5}));
  EXPECT_FALSE(replies[2].enhanced);
  EXPECT_FALSE(replies[3].enhanced);
}

TEST(ReplyReader, BareLfAndEmptyTextAreTolerated) {
  ReplyReader reader;
  auto replies = read_all(reader, "250\n354 \r\n");
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].code, 250);
  EXPECT_EQ(replies[1].code, 354);
}

struct BadReply {
  std::string label, wire, error;
  friend void PrintTo(const BadReply& b, std::ostream* os) { *os << b.label; }
};

class BadReplyTest : public ::testing::TestWithParam<BadReply> {};

TEST_P(BadReplyTest, IsAnErrorNotAGuess) {
  ReplyReader reader({.max_line = 64, .max_lines = 3});
  ReplyReader::State state;
  auto replies = read_all(reader, GetParam().wire, &state);
  EXPECT_TRUE(replies.empty());
  EXPECT_EQ(state, ReplyReader::State::error);
  EXPECT_NE(reader.error().find(GetParam().error), std::string::npos) << reader.error();
  Reply ignored;
  EXPECT_EQ(reader.next(ignored), ReplyReader::State::error);  // stays failed
}

INSTANTIATE_TEST_SUITE_P(
    Wire, BadReplyTest,
    ::testing::Values(BadReply{"no_code", "hello\r\n", "does not start with a code"},
                      BadReply{"short", "25\r\n", "too short"}, BadReply{"code_199", "199 x\r\n", "200-599"},
                      BadReply{"code_600", "600 x\r\n", "200-599"},
                      BadReply{"separator", "250x ok\r\n", "bad character"},
                      BadReply{"code_change", "250-a\r\n251 b\r\n", "code changed"},
                      BadReply{"long_line", "250 " + std::string(100, 'x') + "\r\n", "longer than 64"},
                      BadReply{"long_unterminated", std::string(100, '2'), "longer than 64"},
                      BadReply{"many_lines", "250-a\r\n250-b\r\n250-c\r\n250 d\r\n", "longer than 3 lines"}),
    [](const auto& info) { return info.param.label; });

TEST(EnhancedCode, Parses) {
  EXPECT_EQ(parse_enhanced_code("5.7.1 denied"), (EnhancedCode{5, 7, 1}));
  EXPECT_EQ(parse_enhanced_code("4.7.650"), (EnhancedCode{4, 7, 650}));
  EXPECT_FALSE(parse_enhanced_code("3.1.1 x"));
  EXPECT_FALSE(parse_enhanced_code("5.1 x"));
  EXPECT_FALSE(parse_enhanced_code("5.1.1234 x"));
  EXPECT_FALSE(parse_enhanced_code("55.1.1 x"));
  EXPECT_FALSE(parse_enhanced_code("mx.example.org"));
  EXPECT_FALSE(parse_enhanced_code(""));
}

}  // namespace
}  // namespace mta::delivery
