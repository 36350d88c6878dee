// campaigns::parse_address and SuppressionTarget: RFC 5321 local parts (dot-atom, quoted), UTF-8 local
// parts (RFC 6531), domain syntax, canonical forms, and the problems reported for bad input.
#include "campaigns/formats/address.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace campaigns {
namespace {

using ::testing::HasSubstr;

struct Good {
  std::string label;
  std::string input;
  std::string canonical;
};

class GoodTarget : public ::testing::TestWithParam<Good> {};

TEST_P(GoodTarget, ParsesToItsCanonicalForm) {
  auto parsed = SuppressionTarget::parse(GetParam().input);
  ASSERT_TRUE(parsed.target) << parsed.problem;
  EXPECT_EQ(parsed.target->str(), GetParam().canonical);
  EXPECT_EQ(parsed.target->is_domain(), GetParam().input.front() == '@');
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, GoodTarget,
    ::testing::Values(
        Good{"simple", "jane@example.com", "jane@example.com"},
        Good{"case_folded", "Jane.Doe@Example.COM", "jane.doe@example.com"},
        Good{"trailing_dot_dropped", "jane@example.com.", "jane@example.com"},
        Good{"atext_specials", "a!#$%&'*+-/=?^_`{|}~z@x.test", "a!#$%&'*+-/=?^_`{|}~z@x.test"},
        Good{"plus_tag", "first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"},
        Good{"quoted_space", "\"john doe\"@example.com", "\"john doe\"@example.com"},
        Good{"quoted_at_and_escape", "\"a@b\\\"c\"@example.com", "\"a@b\\\"c\"@example.com"},
        Good{"utf8_local", "jos\xC3\xA9@example.com", "jos\xC3\xA9@example.com"},
        Good{"utf8_cjk", "\xE7\x94\xA8\xE6\x88\xB7@example.cn", "\xE7\x94\xA8\xE6\x88\xB7@example.cn"},
        Good{"idn_a_label", "x@xn--bcher-kva.example", "x@xn--bcher-kva.example"},
        Good{"local_64", std::string(64, 'a') + "@x.test", std::string(64, 'a') + "@x.test"},
        Good{"whole_domain", "@Example.COM", "@example.com"},
        Good{"whole_domain_dot", "@example.com.", "@example.com"}),
    [](const auto& info) { return info.param.label; });

struct Bad {
  std::string label;
  std::string input;
  std::string problem;  // a part of the message
};

class BadTarget : public ::testing::TestWithParam<Bad> {};

TEST_P(BadTarget, IsRefusedWithAReason) {
  auto parsed = SuppressionTarget::parse(GetParam().input);
  EXPECT_FALSE(parsed.target);
  EXPECT_THAT(parsed.problem, HasSubstr(GetParam().problem));
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, BadTarget,
    ::testing::Values(Bad{"empty", "", "empty"}, Bad{"bare_domain", "example.com", "needs an '@'"},
                      Bad{"no_local", "@", "domain is missing"},
                      Bad{"empty_local", "x@@example.com", "needs quoting"},
                      Bad{"nothing_before_at", "@@example.com", "not a valid domain"},
                      Bad{"no_domain", "jane@", "domain is missing"},
                      Bad{"two_ats", "a@b@c.test", "needs quoting"},
                      Bad{"space", "jane doe@example.com", "needs quoting"},
                      Bad{"double_dot", "jane..doe@example.com", "empty dot-separated"},
                      Bad{"leading_dot", ".jane@example.com", "empty dot-separated"},
                      Bad{"trailing_dot", "jane.@example.com", "ends with a dot"},
                      Bad{"control", "ja\x01ne@example.com", "control character"},
                      Bad{"nul", std::string("ja\0ne@example.com", 16), "control character"},
                      Bad{"bad_utf8", "jos\xC3@example.com", "not valid UTF-8"},
                      Bad{"overlong_utf8", "\xC0\xAF@example.com", "not valid UTF-8"},
                      Bad{"surrogate", "\xED\xA0\x80@example.com", "not valid UTF-8"},
                      Bad{"local_65", std::string(65, 'a') + "@x.test", "longer than 64"},
                      Bad{"address_255",
                          std::string(60, 'a') + "@" + std::string(60, 'b') + "." + std::string(60, 'c') +
                              "." + std::string(60, 'd') + "." + std::string(12, 'e'),
                          "longer than 254"},
                      Bad{"unclosed_quote", "\"jane@example.com", "not closed"},
                      Bad{"quote_then_text", "\"jane\"x@example.com", "not closed"},
                      Bad{"bad_domain", "jane@exa_mple.com", "not a valid domain"},
                      Bad{"domain_dash", "jane@-example.com", "not a valid domain"},
                      Bad{"address_literal", "jane@[192.0.2.1]", "address literals"},
                      Bad{"utf8_domain",
                          "jane@b\xC3\xBC"
                          "cher.example",
                          "xn--"},
                      Bad{"angle_brackets", "<jane@example.com>", "needs quoting"},
                      Bad{"domain_form_bad", "@exa mple.com", "not a valid domain"}),
    [](const auto& info) { return info.param.label; });

TEST(Address, KeepsTheLocalPartsCase) {
  auto parsed = parse_address("Jane@EXAMPLE.com");
  ASSERT_TRUE(parsed.address);
  EXPECT_EQ(parsed.address->local, "Jane");
  EXPECT_EQ(parsed.address->domain, "example.com");
  EXPECT_EQ(SuppressionTarget::domain_of(*parsed.address).str(), "@example.com");
}

}  // namespace
}  // namespace campaigns
