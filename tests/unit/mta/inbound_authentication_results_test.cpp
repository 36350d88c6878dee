// The Authentication-Results field (mta/inbound/auth/authentication_results.hpp): RFC 8601 §2.2 syntax read
// (valid and invalid fields, from the RFC's appendix B examples and our own), values quoted when they must
// be, comments and values kept free of line breaks, format() read back by parse(); and the removal of fields
// naming our authserv-id (remove_forged_results).
#include <gtest/gtest.h>

#include "mta/inbound/auth/authentication_results.hpp"
#include "mta/inbound/auth/message_authentication.hpp"

namespace {

using namespace mta::inbound::auth;

struct ParseCase {
  const char* label;
  const char* value;  // after "Authentication-Results:"
  bool valid;
  const char* authserv_id = "";
  std::size_t results = 0;
};

void PrintTo(const ParseCase& c, std::ostream* os) {
  *os << c.label;
}

class Parse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(Parse, Grammar) {
  const ParseCase& c = GetParam();
  auto parsed = parse(c.value);
  ASSERT_EQ(parsed.has_value(), c.valid) << c.value;
  if (!parsed) return;
  EXPECT_EQ(parsed->authserv_id, c.authserv_id);
  EXPECT_EQ(parsed->results.size(), c.results);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, Parse,
    ::testing::Values(
        ParseCase{"b2_none", " example.org 1; none", true, "example.org", 0},
        ParseCase{"b3_spf", " example.com; spf=pass smtp.mailfrom=example.net", true, "example.com", 1},
        ParseCase{"b4_auth",
                  " example.com;\r\n      auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
                  "      spf=pass smtp.mailfrom=example.net",
                  true, "example.com", 2},
        ParseCase{"b5_reason",
                  " example.com; sender-id=fail header.from=example.com;\r\n"
                  "      dkim=pass (good signature) header.d=example.com",
                  true, "example.com", 2},
        ParseCase{"b6_method_version", " example.com; dkim/1=pass header.d=example.com", true, "example.com",
                  1},
        ParseCase{"reason", " mx.test; spf=fail reason=\"not allowed\" smtp.mailfrom=a@b.test", true,
                  "mx.test", 1},
        ParseCase{"quoted_id_and_comment", " (c) \"mx.test\" (d); dkim=none", true, "mx.test", 1},
        ParseCase{"quoted_property", " mx.test; dkim=pass header.b=\"ab/c+d=\"", true, "mx.test", 1},
        ParseCase{"quoted_local_part", " mx.test; spf=pass smtp.mailfrom=\"a b\"@x.test", true, "mx.test", 1},
        ParseCase{"empty", "", false}, ParseCase{"id_only", " mx.test", false},
        ParseCase{"no_semicolon", " mx.test spf=pass", false},
        ParseCase{"trailing_semicolon", " mx.test; spf=pass;", false},
        ParseCase{"none_after_result", " mx.test; spf=pass; none", false},
        ParseCase{"result_missing", " mx.test; spf=", false},
        ParseCase{"property_without_value", " mx.test; spf=pass smtp.mailfrom=", false},
        ParseCase{"property_without_type", " mx.test; spf=pass mailfrom=x", false},
        ParseCase{"unterminated_comment", " mx.test; spf=pass (oops", false},
        ParseCase{"unterminated_quote", " mx.test; spf=pass smtp.mailfrom=\"x", false},
        ParseCase{"bare_line_break", " mx.test; spf=pass\r\nX-Injected: 1", false},
        ParseCase{"glued_elements", " mx.test; spf=pass(c)smtp.mailfrom=\"a\"smtp.helo=x", false}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(QuoteValue, OnlyWhatNeedsIt) {
  EXPECT_EQ(quote_value("example.com"), "example.com");
  EXPECT_EQ(quote_value("alice@example.com"), "alice@example.com");
  EXPECT_EQ(quote_value("first.last+tag@example.com"), "first.last+tag@example.com");
  EXPECT_EQ(quote_value("ab/cd=ef"), "\"ab/cd=ef\"");
  EXPECT_EQ(quote_value("a b@example.com"), "\"a b@example.com\"");
  EXPECT_EQ(quote_value("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(quote_value("evil\r\nX-Injected: 1"), "\"evilX-Injected: 1\"");
  EXPECT_EQ(quote_value(""), "\"\"");
}

TEST(CommentText, PrintableAndBounded) {
  EXPECT_EQ(comment_text("body hash mismatch (the body changed)"), "body hash mismatch [the body changed]");
  EXPECT_EQ(comment_text("a\r\n\tb\\c\x01"), "a bc");
  EXPECT_EQ(comment_text(std::string(500, 'x')).size(), 120u);
}

TEST(Format, ReadsBackAndFolds) {
  AuthenticationResults results{"mx.relay.test", std::nullopt, {}};
  results.results.push_back(
      {"spf", "fail", "client (1.2.3.4)\r\nX: y", {{"smtp", "mailfrom", "a\r\nb@c.test"}}});
  results.results.push_back(
      {"dkim",
       "pass",
       "",
       {{"header", "d", "example.com"}, {"header", "s", "s1"}, {"header", "b", "ab/cd+ef"}}});
  results.results.push_back({"dmarc", "pass", "", {{"header", "from", std::string(200, 'a') + ".test"}}});
  std::string field = format(results);
  ASSERT_TRUE(field.starts_with("Authentication-Results: mx.relay.test;\r\n\tspf=fail")) << field;
  ASSERT_TRUE(field.ends_with("\r\n"));
  std::size_t lines = 0;
  for (std::size_t at = field.find("\r\n"); at != std::string::npos && at + 2 < field.size();
       at = field.find("\r\n", at + 2)) {
    EXPECT_EQ(field[at + 2], '\t') << field;
    ++lines;
  }
  EXPECT_GE(lines, 4u);
  EXPECT_EQ(field.find('\n'), field.find("\r\n") + 1);
  auto parsed = parse(std::string_view(field).substr(23, field.size() - 25));
  ASSERT_TRUE(parsed) << field;
  ASSERT_EQ(parsed->results.size(), 3u);
  EXPECT_EQ(parsed->results[0].properties[0].value, "ab@c.test");
  EXPECT_EQ(parsed->results[1].properties[2].value, "ab/cd+ef");
  EXPECT_EQ(parsed->results[2].properties[0].value, std::string(200, 'a') + ".test");

  AuthenticationResults none{"mx.relay.test", 1u, {}};
  EXPECT_EQ(format(none), "Authentication-Results: mx.relay.test 1; none\r\n");
  auto none_parsed = parse(" mx.relay.test 1; none");
  ASSERT_TRUE(none_parsed);
  EXPECT_EQ(none_parsed->version, 1u);
  EXPECT_TRUE(none_parsed->results.empty());
}

struct ForgedCase {
  const char* label;
  const char* field;
  bool removed;
};

class Forged : public ::testing::TestWithParam<ForgedCase> {};

TEST_P(Forged, Removal) {
  const ForgedCase& c = GetParam();
  std::string head = "Received: from a by b; Mon, 23 Nov 2026 03:00:00 +0000\r\n";
  std::string tail = "Subject: x\r\n\r\nAuthentication-Results: mx.relay.test; none\r\n";
  std::string message = head + c.field + tail;
  EXPECT_EQ(remove_forged_results(message, "mx.relay.test"), c.removed ? head + tail : message);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, Forged,
    ::testing::Values(
        ForgedCase{"ours", "Authentication-Results: mx.relay.test; spf=pass\r\n", true},
        ForgedCase{"case", "AUTHENTICATION-RESULTS: MX.RELAY.TEST; spf=pass\r\n", true},
        ForgedCase{"quoted", "Authentication-Results: \"mx.relay.test\"; spf=pass\r\n", true},
        ForgedCase{"comment_first", "Authentication-Results: (x (y)) mx.relay.test 1; none\r\n", true},
        ForgedCase{"folded", "Authentication-Results:\r\n\tmx.relay.test;\r\n spf=pass\r\n", true},
        ForgedCase{"space_before_colon", "Authentication-Results\t: mx.relay.test; none\r\n", true},
        ForgedCase{"broken_rest", "Authentication-Results: mx.relay.test garbage ((\r\n", true},
        ForgedCase{"other_id", "Authentication-Results: other.test; spf=pass\r\n", false},
        ForgedCase{"longer_id", "Authentication-Results: mx.relay.test.evil; spf=pass\r\n", false},
        ForgedCase{"our_id_later", "Authentication-Results: other.test; x=mx.relay.test\r\n", false},
        ForgedCase{"other_field", "X-Authentication-Results: mx.relay.test; none\r\n", false},
        ForgedCase{"arc", "ARC-Authentication-Results: i=1; mx.relay.test; none\r\n", false},
        ForgedCase{"no_id", "Authentication-Results: ; none\r\n", false}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Forged, EmptyIdRemovesNothingAndNoHeaderEndIsHandled) {
  std::string message = "Authentication-Results: mx.relay.test; none\r\n";
  EXPECT_EQ(remove_forged_results(message, ""), message);
  EXPECT_EQ(remove_forged_results(message, "mx.relay.test"), "");
  EXPECT_EQ(remove_forged_results("", "mx.relay.test"), "");
}

}  // namespace
