#include "dns/host_port.hpp"

#include <gtest/gtest.h>

namespace dns {
namespace {

struct Case {
  std::string text;
  std::uint16_t default_port;
  bool allow_names;
  std::string expected;  // to_string(), or "!" + a substring of the error
  friend void PrintTo(const Case& c, std::ostream* os) { *os << '"' << c.text << '"'; }
};

class HostPortTest : public ::testing::TestWithParam<Case> {};

TEST_P(HostPortTest, Parses) {
  const Case& c = GetParam();
  auto result = parse_host_port(c.text, c.default_port, c.allow_names);
  if (c.expected.starts_with("!")) {
    EXPECT_FALSE(result.value) << result.value->to_string();
    EXPECT_NE(result.error.find(c.expected.substr(1)), std::string::npos) << result.error;
  } else {
    ASSERT_TRUE(result.value) << result.error;
    EXPECT_EQ(result.value->to_string(), c.expected);
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, HostPortTest,
    ::testing::Values(Case{"127.0.0.1", 53, false, "127.0.0.1:53"},
                      Case{"127.0.0.1:5353", 53, false, "127.0.0.1:5353"},
                      Case{"[::1]:5353", 53, false, "[::1]:5353"}, Case{"::1", 53, false, "[::1]:53"},
                      Case{"[::1]", 53, false, "[::1]:53"},
                      Case{"Mail.Example.com:2525", 25, true, "mail.example.com:2525"},
                      Case{"mail.example.com", 25, true, "mail.example.com:25"},
                      Case{"mail.example.com", 53, false, "!is not an IP address"},
                      Case{"127.0.0.1", 0, false, "!no port"}, Case{"127.0.0.1:0", 53, false, "!bad port"},
                      Case{"127.0.0.1:65536", 53, false, "!bad port"},
                      Case{"127.0.0.1:x", 53, false, "!bad port"}, Case{"[::1", 53, false, "!without ']'"},
                      Case{"[::1]x", 53, false, "!expected ':PORT'"},
                      Case{"bad_host:25", 25, true, "!neither an IP address nor a host name"},
                      Case{"", 25, true, "!empty"}));

TEST(HostPort, IpIsSetOnlyForLiterals) {
  EXPECT_TRUE(parse_host_port("192.0.2.1:25", 25).value->ip());
  EXPECT_FALSE(parse_host_port("example.com:25", 25).value->ip());
}

}  // namespace
}  // namespace dns
