#include "dns/name.hpp"

#include <gtest/gtest.h>

namespace dns {
namespace {

TEST(Name, AcceptsHostNames) {
  for (const char* good : {"example.com", "example.com.", "a", "mx-1.example.co.uk", "3com.com", "1.example",
                           "xn--bcher-kva.example"})
    EXPECT_TRUE(is_valid_hostname(good)) << good;
}

TEST(Name, RejectsWhatIsNotAHostName) {
  std::string long_label(64, 'a');
  std::string long_name;
  for (int i = 0; i < 5; ++i)
    long_name += std::string(60, 'a') + ".";
  for (const std::string& bad :
       {std::string(""), std::string("."), std::string("a..b"), std::string("-a.com"), std::string("a-.com"),
        std::string("a_b.com"), std::string("a b"), std::string("192.0.2.1"), long_label + ".com", long_name})
    EXPECT_FALSE(is_valid_hostname(bad)) << bad;
}

TEST(Name, CanonicalFormIsLowerCaseWithoutTrailingDot) {
  EXPECT_EQ(canonical_name("Mail.Example.COM."), "mail.example.com");
  EXPECT_EQ(canonical_name(""), "");
}

}  // namespace
}  // namespace dns
