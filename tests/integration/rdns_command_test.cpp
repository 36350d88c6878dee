// `relayctl rdns check` against nsd: confirmed PTR, PTR that does not point back, no PTR, a generic
// dynamic name, a PBL listing, a policy list refusing the query, IPv6, a nameserver that never answers, bad
// input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using relay::test::fixture_zone;
using relay::test::run;

struct Rdns : ::testing::Test {
  relay::test::NsdServer nsd{{fixture_zone("rdns.test"), fixture_zone("100.51.198.in-addr.arpa"),
                              fixture_zone("8.b.d.0.1.0.0.2.ip6.arpa"), fixture_zone("zen.spamhaus.org")}};
  nlohmann::json check(const std::string& ip, int expected_exit) {
    auto r = run({RELAYCTL_BINARY, "rdns", "check", ip, "--json", "--nameserver", nsd.address(),
                  "--dns-timeout", "2"});
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    return nlohmann::json::parse(r.out);
  }
  static bool has_reason(const nlohmann::json& out, const std::string& code) {
    for (const auto& reason : out["reasons"])
      if (reason["code"] == code) return true;
    return false;
  }
};

TEST_F(Rdns, ConfirmedStaticName) {
  auto out = check("198.51.100.25", 0);
  EXPECT_EQ(out["ptr"][0]["name"], "mail.rdns.test");
  EXPECT_TRUE(out["ptr"][0]["confirmed"].get<bool>());
  EXPECT_TRUE(out["fcrdns"].get<bool>());
  EXPECT_EQ(out["verdict"], "static");
}

TEST_F(Rdns, PtrThatDoesNotPointBack) {
  auto out = check("198.51.100.26", 1);
  EXPECT_FALSE(out["fcrdns"].get<bool>());
  EXPECT_EQ(out["ptr"][0]["addresses"][0], "198.51.100.99");
  EXPECT_TRUE(has_reason(out, "fcrdns"));
}

TEST_F(Rdns, NoPtr) {
  auto out = check("198.51.100.27", 1);
  EXPECT_TRUE(out["ptr"].empty());
  EXPECT_TRUE(has_reason(out, "no-ptr"));
  EXPECT_EQ(out["verdict"], "dynamic");
}

TEST_F(Rdns, GenericDynamicName) {
  auto out = check("198.51.100.28", 1);
  EXPECT_TRUE(out["fcrdns"].get<bool>());
  EXPECT_EQ(out["verdict"], "dynamic");
  EXPECT_TRUE(has_reason(out, "ip-in-name"));
  EXPECT_TRUE(has_reason(out, "dynamic-token"));
}

TEST_F(Rdns, PblListingCounts) {
  auto out = check("198.51.100.29", 1);
  EXPECT_TRUE(out["fcrdns"].get<bool>());
  EXPECT_TRUE(has_reason(out, "pbl"));
  EXPECT_EQ(out["verdict"], "dynamic");
}

// A policy list that refuses the query leaves the verdict unknown (exit 3), never "not listed".
TEST_F(Rdns, RefusedPolicyListIsNotChecked) {
  auto out = check("198.51.100.30", 3);
  EXPECT_TRUE(out["fcrdns"].get<bool>());
  EXPECT_EQ(out["verdict"], "unknown");
  EXPECT_FALSE(out["ok"].get<bool>());
  EXPECT_NE(out.value("policy_error", "").find("127.255.255.254"), std::string::npos) << out.dump(2);
}

TEST_F(Rdns, Ipv6) {
  auto out = check("2001:db8::25", 0);
  EXPECT_EQ(out["ptr"][0]["name"], "mail6.rdns.test");
  EXPECT_TRUE(out["fcrdns"].get<bool>());
}

TEST_F(Rdns, TextOutputHelpAndBadInput) {
  auto r = run({RELAYCTL_BINARY, "rdns", "check", "198.51.100.28", "--nameserver", nsd.address()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("verdict: dynamic"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(confirmed)"), std::string::npos) << r.out;
  EXPECT_EQ(run({RELAYCTL_BINARY, "rdns", "check", "not-an-ip"}).exit_code, 2);
  auto help = run({RELAYCTL_BINARY, "rdns", "check", "--help"});
  for (const char* flag : {"IP", "--json", "--pbl-zone", "--nameserver", "--dns-timeout"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
}

TEST(RdnsTimeout, SilentServerIsTemporary) {
  relay::test::SilentDnsServer silent;
  auto r = run({RELAYCTL_BINARY, "rdns", "check", "198.51.100.25", "--json", "--nameserver", silent.address(),
                "--dns-timeout", "0.2"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["verdict"], "unknown");
}

}  // namespace
