// SPF macros (RFC 7208 §7.4's own examples, then escapes and errors) and record syntax, table-driven.
#include <gtest/gtest.h>

#include "dns/spf/macro.hpp"
#include "dns/spf/record.hpp"

namespace dns::spf {
namespace {

struct MacroCase {
  const char* input;
  const char* expected;  // nullptr: a syntax error
  const char* ip = "192.0.2.3";
  MacroUse use = MacroUse::domain_spec;
};

class Macros : public ::testing::TestWithParam<MacroCase> {};

TEST_P(Macros, Expand) {
  const auto& c = GetParam();
  MacroContext context;
  context.ip = asio::ip::make_address(c.ip);
  context.local_part = "strong-bad";
  context.sender_domain = "email.example.com";
  context.domain = "email.example.com";
  context.helo = "mx.example.org";
  context.receiver = "receiver.example.net";
  context.timestamp = 1234;
  auto result = expand_macros(c.input, context, c.use);
  if (!c.expected) {
    EXPECT_FALSE(result.text) << *result.text;
    EXPECT_FALSE(result.error.empty());
    EXPECT_FALSE(valid_macro_string(c.input, c.use));
  } else {
    ASSERT_TRUE(result.text) << result.error;
    EXPECT_EQ(*result.text, c.expected);
    EXPECT_TRUE(valid_macro_string(c.input, c.use));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rfc7208Section7, Macros,
    ::testing::Values(
        MacroCase{"%{s}", "strong-bad@email.example.com"}, MacroCase{"%{o}", "email.example.com"},
        MacroCase{"%{d}", "email.example.com"}, MacroCase{"%{d4}", "email.example.com"},
        MacroCase{"%{d3}", "email.example.com"}, MacroCase{"%{d2}", "example.com"}, MacroCase{"%{d1}", "com"},
        MacroCase{"%{dr}", "com.example.email"}, MacroCase{"%{d2r}", "example.email"},
        MacroCase{"%{l}", "strong-bad"}, MacroCase{"%{l-}", "strong.bad"}, MacroCase{"%{lr}", "strong-bad"},
        MacroCase{"%{lr-}", "bad.strong"}, MacroCase{"%{l1r-}", "strong"},
        MacroCase{"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
        MacroCase{"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
        MacroCase{"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
        MacroCase{"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
        MacroCase{"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
        MacroCase{"%{ir}.%{v}._spf.%{d2}",
                  "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
                  "2001:db8::cb01"},
        MacroCase{"%{h}", "mx.example.org"}, MacroCase{"%{S}", "strong-bad%40email.example.com"},
        MacroCase{"a%%b%_c%-d", "a%b c%20d"},
        MacroCase{"%{c} %{r} %{t}", "192.0.2.3 receiver.example.net 1234", "192.0.2.3",
                  MacroUse::explanation},
        MacroCase{"%{c}", "2001:db8::cb01", "2001:db8::cb01", MacroUse::explanation},
        MacroCase{"%{c}", nullptr}, MacroCase{"%{r}", nullptr}, MacroCase{"%{t}", nullptr},
        MacroCase{"%{x}", nullptr}, MacroCase{"%{d0}", nullptr}, MacroCase{"%{d", nullptr},
        MacroCase{"%", nullptr}, MacroCase{"%a", nullptr}, MacroCase{"%{}", nullptr},
        MacroCase{"%{d2:}", nullptr}, MacroCase{"a b", nullptr}, MacroCase{"%{l1r-+}", "strong"}));

TEST(Macros, TruncatesLongNamesFromTheLeft) {
  std::string label(60, 'x');
  std::string name = label + "." + label + "." + label + "." + label + ".example.com";
  std::string truncated = truncate_domain(name);
  EXPECT_LE(truncated.size(), 253u);
  EXPECT_EQ(truncated, label + "." + label + "." + label + ".example.com");
  EXPECT_EQ(truncate_domain("short.example"), "short.example");
}

TEST(Macros, SplitSender) {
  EXPECT_EQ(split_sender("User@Example.COM").local_part, "User");
  EXPECT_EQ(split_sender("User@Example.COM").domain, "example.com");
  EXPECT_EQ(split_sender("@example.com").local_part, "postmaster");
  EXPECT_EQ(split_sender("example.com").local_part, "postmaster");
  EXPECT_TRUE(uses_letter("exists:%{p}.x", 'p'));
  EXPECT_TRUE(uses_letter("exists:%{P2}.x", 'p'));
  EXPECT_FALSE(uses_letter("exists:%%{p}.x", 'p'));
}

struct RecordCase {
  const char* text;
  bool valid;
};

class Records : public ::testing::TestWithParam<RecordCase> {};

TEST_P(Records, Parse) {
  auto parsed = parse_record(GetParam().text);
  EXPECT_EQ(parsed.record.has_value(), GetParam().valid) << parsed.error;
}

INSTANTIATE_TEST_SUITE_P(
    Rfc7208Section12, Records,
    ::testing::Values(
        RecordCase{"v=spf1", true}, RecordCase{"v=spf1 ", true}, RecordCase{"v=spf1  -all  ", true},
        RecordCase{"V=SpF1 MX:example.com -ALL", true}, RecordCase{"v=spf1 a/24//64 mx//0", true},
        RecordCase{"v=spf1 a:%{d}/24 ip4:0.0.0.0/0 ip6:::/0", true},
        RecordCase{"v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all", true},
        RecordCase{"v=spf1 ptr ptr:example.com ?all", true}, RecordCase{"v=spf1 x-y_z.1=abc", true},
        RecordCase{"v=spf1 redirect=_spf.example.com exp=exp.%{d}", true},
        RecordCase{"v=spf1 ip4:192.0.2.1/32 ip6:2001:db8::1/128", true}, RecordCase{"v=spf10", false},
        RecordCase{"spf1 -all", false}, RecordCase{"v=spf1 ip4:192.0.2.1/33", false},
        RecordCase{"v=spf1 ip6:2001:db8::/129", false}, RecordCase{"v=spf1 ip4:2001:db8::1", false},
        RecordCase{"v=spf1 ip6:192.0.2.1", false}, RecordCase{"v=spf1 ip4:192.0.2", false},
        RecordCase{"v=spf1 ip4", false}, RecordCase{"v=spf1 a:example.com/", false},
        RecordCase{"v=spf1 a//", false}, RecordCase{"v=spf1 mx/24/64", false},
        RecordCase{"v=spf1 include", false}, RecordCase{"v=spf1 include:", false},
        RecordCase{"v=spf1 exists", false}, RecordCase{"v=spf1 ptr/24", false},
        RecordCase{"v=spf1 all:x.com", false}, RecordCase{"v=spf1 -all exp=a.com exp=b.com", false},
        RecordCase{"v=spf1 1x=y", false}, RecordCase{"v=spf1 a:example.123", false},
        RecordCase{"v=spf1 a:example", false}, RecordCase{"v=spf1 *all", false},
        RecordCase{"v=spf1 -all\t", false}, RecordCase{"v=spf1 redirect=", false},
        RecordCase{"v=spf1 a:%{z}.com", false}));

TEST(Records, SelectsExactlyOne) {
  EXPECT_EQ(select_record({"x", "v=spf1 -all"}).kind, Selection::Kind::one);
  EXPECT_EQ(select_record({"v=spf1 -all", "V=SPF1 +all"}).kind, Selection::Kind::several);
  EXPECT_EQ(select_record({"v=spf10", "v=spf1-all"}).kind, Selection::Kind::none);
}

}  // namespace
}  // namespace dns::spf
