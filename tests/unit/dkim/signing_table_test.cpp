#include "dkim/signing_table.hpp"

#include <gtest/gtest.h>

namespace dkim {
namespace {

std::vector<std::string> selectors(const SigningTable& table, std::string_view domain) {
  std::vector<std::string> out;
  for (const auto* rule : table.match(domain))
    out.push_back(rule->selector);
  return out;
}

TEST(SigningTable, MostSpecificPatternWinsAndAllItsRulesApply) {
  SigningTable table({{"example.com", "example.com", "own", "/k1"},
                      {"example.com", "esp.example.net", "esp", "/k2"},
                      {"*.example.com", "example.com", "sub", "/k3"},
                      {"*.mail.example.com", "example.com", "deeper", "/k4"},
                      {"*", "esp.example.net", "default", "/k5"}});
  EXPECT_EQ(selectors(table, "EXAMPLE.com."), (std::vector<std::string>{"own", "esp"}));
  EXPECT_EQ(selectors(table, "news.example.com"), (std::vector<std::string>{"sub"}));
  EXPECT_EQ(selectors(table, "x.mail.example.com"), (std::vector<std::string>{"deeper"}));
  EXPECT_EQ(selectors(table, "other.org"), (std::vector<std::string>{"default"}));
}

TEST(SigningTable, NoDefaultMeansNoSignature) {
  SigningTable table({{"example.com", "example.com", "s1", "/k"}});
  EXPECT_TRUE(table.match("example.org").empty());
  EXPECT_TRUE(table.match("badexample.com").empty());
}

TEST(SigningTable, PatternSyntax) {
  EXPECT_TRUE(is_valid_from_pattern("*"));
  EXPECT_TRUE(is_valid_from_pattern("*.example.com"));
  EXPECT_TRUE(is_valid_from_pattern("example.com"));
  EXPECT_FALSE(is_valid_from_pattern("*example.com"));
  EXPECT_FALSE(is_valid_from_pattern("a.*.com"));
  EXPECT_FALSE(is_valid_from_pattern(""));
}

}  // namespace
}  // namespace dkim
