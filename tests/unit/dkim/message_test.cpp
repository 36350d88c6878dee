// Message splitting and the From domain: LF/CRLF input, folding, limits, malformed input (table-driven).
#include "dkim/message.hpp"

#include <gtest/gtest.h>

namespace dkim {
namespace {

TEST(Message, SplitsHeadersAndBodyWithCrlf) {
  auto m = parse_message("From: a@example.com\nSubject: one\n two\n\nline 1\nline 2\n");
  ASSERT_TRUE(m.ok()) << m.error();
  EXPECT_FALSE(m->crlf_input);
  ASSERT_EQ(m->headers.size(), 2u);
  EXPECT_EQ(m->headers[1].name, "Subject");
  EXPECT_EQ(m->headers[1].text, "Subject: one\r\n two");
  EXPECT_EQ(m->body, "line 1\r\nline 2\r\n");
  auto crlf = parse_message("From: a@example.com\r\n\r\nx\r\n");
  ASSERT_TRUE(crlf.ok());
  EXPECT_TRUE(crlf->crlf_input);
  EXPECT_EQ(crlf->body, "x\r\n");
}

TEST(Message, HeaderOnlyAndEightBit) {
  auto only = parse_message("From: a@example.com\n");
  ASSERT_TRUE(only.ok());
  EXPECT_EQ(only->body, "");
  auto eight = parse_message("From: a@example.com\n\nGr\xc3\xbc\xc3\x9f\x65 \xff\n");
  ASSERT_TRUE(eight.ok());
  EXPECT_EQ(eight->body, "Gr\xc3\xbc\xc3\x9f\x65 \xff\r\n");
}

struct Malformed {
  const char* label;
  std::string message;
  std::string error;
};

class MalformedMessages : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedMessages, GiveAClearError) {
  MessageLimits limits;
  limits.max_field_bytes = 4096;
  limits.max_header_bytes = 64 * 1024;
  limits.max_fields = 50;
  auto parsed = parse_message(GetParam().message, limits);
  std::string error;
  if (!parsed) {
    error = parsed.error();
  } else {
    auto domain = from_domain(*parsed);
    ASSERT_FALSE(domain.ok()) << GetParam().label << " gave " << *domain;
    error = domain.error();
  }
  EXPECT_NE(error.find(GetParam().error), std::string::npos) << GetParam().label << ": " << error;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc5322, MalformedMessages,
    ::testing::Values(
        Malformed{"empty", "", "no header fields"},
        Malformed{"no From", "To: b@example.org\n\nbody\n", "no From header field"},
        Malformed{"two From", "From: a@example.com\nFrom: b@example.com\n\n", "2 From header fields"},
        Malformed{"no colon", "From: a@example.com\nthis line has no colon\n\n",
                  "header line 2 has no colon"},
        Malformed{"mbox From line",
                  "From alice@example.com Mon Jan  1 00:00:00 2026\nFrom: a@example.com\n\n",
                  "invalid field name"},
        Malformed{"continuation first", " folded: x\nFrom: a@example.com\n\n", "continuation line"},
        Malformed{"space in name", "From: a@example.com\nX Bad: y\n\n", "invalid field name"},
        Malformed{"huge field", "From: a@example.com\nX-Big: " + std::string(5000, 'x') + "\n\n",
                  "longer than"},
        Malformed{"huge folded field",
                  "From: a@example.com\nX-Big: a\n" + std::string(100, ' ') + "\n" +
                      [] {
                        std::string s;
                        for (int i = 0; i < 100; ++i)
                          s += " " + std::string(60, 'y') + "\n";
                        return s;
                      }() +
                      "\n",
                  "longer than"},
        Malformed{"too many fields",
                  [] {
                    std::string s = "From: a@example.com\n";
                    for (int i = 0; i < 60; ++i)
                      s += "X-" + std::to_string(i) + ": v\n";
                    return s + "\n";
                  }(),
                  "more than 50 header fields"},
        Malformed{"huge header section",
                  [] {
                    std::string s = "From: a@example.com\n";
                    for (int i = 0; i < 40; ++i)
                      s += "X-H: " + std::string(2000, 'z') + "\n";
                    return s + "\n";
                  }(),
                  "header section is larger"},
        Malformed{"From without address", "From: Alice\n\n", "has no @domain"},
        Malformed{"From empty", "From: \n\n", "no address"},
        Malformed{"From bad domain", "From: a@exa_mple..com\n\n", "valid domain"},
        Malformed{"From two domains", "From: a@one.example, b@two.example\n\n", "two domains"}),
    [](const auto& info) {
      std::string name;
      for (char ch : std::string(info.param.label))
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

struct FromCase {
  std::string value;
  std::string domain;
};

class FromDomains : public ::testing::TestWithParam<FromCase> {};

TEST_P(FromDomains, Extracted) {
  auto m = parse_message("From:" + GetParam().value + "\n\n");
  ASSERT_TRUE(m.ok()) << m.error();
  auto domain = from_domain(*m);
  ASSERT_TRUE(domain.ok()) << GetParam().value << ": " << domain.error();
  EXPECT_EQ(*domain, GetParam().domain);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc5322, FromDomains,
    ::testing::Values(FromCase{" alice@Example.COM", "example.com"},
                      FromCase{" Alice <alice@example.com>", "example.com"},
                      FromCase{" \"Smith, Alice <x@evil.test>\" <alice@example.com>", "example.com"},
                      FromCase{" alice@example.com (Alice @ home.test)", "example.com"},
                      FromCase{" =?UTF-8?B?w4RsaWNl?= <alice@news.example.com>", "news.example.com"},
                      FromCase{"\r\n Alice\r\n <alice@example.com>", "example.com"},
                      FromCase{" a@example.com, b@EXAMPLE.com", "example.com"},
                      FromCase{" Team: a@example.com, b@example.com;", "example.com"}));

}  // namespace
}  // namespace dkim
