// `relayctl dnsbl check` against nsd serving imitations of the real lists (tests/fixtures/dns/): codes and
// their meanings, TXT reasons, PBL as policy, IPv6 nibbles, bitmask domain lists, the lists' own error
// answers, dead and wildcarded lists caught by their test points, DNS failures, exit codes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using relay::test::fixture_zone;
using relay::test::run;

struct Dnsbl : ::testing::Test {
  relay::test::NsdServer nsd{{fixture_zone("zen.spamhaus.org"), fixture_zone("bl.spamcop.net"),
                              fixture_zone("b.barracudacentral.org"), fixture_zone("dnsbl-1.uceprotect.net"),
                              fixture_zone("dbl.spamhaus.org"), fixture_zone("multi.surbl.org"),
                              fixture_zone("multi.uribl.com"), fixture_zone("custom.test")}};
  relay::test::RunResult relayctl(std::vector<std::string> args) {
    args.insert(args.begin(), {RELAYCTL_BINARY, "dnsbl", "check"});
    args.insert(args.end(), {"--nameserver", nsd.address(), "--dns-timeout", "2"});
    return run(args);
  }
  nlohmann::json json(std::vector<std::string> args, int expected_exit) {
    args.push_back("--json");
    auto r = relayctl(args);
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    return nlohmann::json::parse(r.out);
  }
  static const nlohmann::json& list(const nlohmann::json& out, const std::string& zone,
                                    const std::string& target = "") {
    for (const auto& r : out["results"])
      if (r["zone"] == zone && (target.empty() || r["target"] == target)) return r;
    throw std::runtime_error("no result for " + zone);
  }
};

TEST_F(Dnsbl, DefaultIpListsWithCodesReasonsAndBrokenLists) {
  auto out = json({"192.0.2.99"}, 1);
  const auto& zen = list(out, "zen.spamhaus.org");
  EXPECT_EQ(zen["status"], "listed");
  EXPECT_EQ(zen["query"], "99.2.0.192.zen.spamhaus.org");
  ASSERT_EQ(zen["codes"].size(), 2u);
  EXPECT_NE(zen["codes"][0]["meaning"].get<std::string>().find("XBL"), std::string::npos);
  EXPECT_FALSE(zen["policy_only"].get<bool>());
  EXPECT_NE(zen["reason"].get<std::string>().find("Listed by XBL"), std::string::npos);
  EXPECT_EQ(zen["delist"], "https://check.spamhaus.org/");
  EXPECT_EQ(list(out, "bl.spamcop.net")["status"], "listed");
  const auto& barracuda = list(out, "b.barracudacentral.org");
  EXPECT_EQ(barracuda["status"], "error");
  EXPECT_NE(barracuda["error"].get<std::string>().find("test point 127.0.0.2 is not listed"),
            std::string::npos);
  const auto& uce = list(out, "dnsbl-1.uceprotect.net");
  EXPECT_EQ(uce["status"], "error");
  EXPECT_NE(uce["error"].get<std::string>().find("wildcard"), std::string::npos);
}

TEST_F(Dnsbl, CleanIpAndChosenZones) {
  auto out = json({"192.0.2.1", "--zone", "zen.spamhaus.org", "--zone", "bl.spamcop.net"}, 0);
  EXPECT_EQ(out["results"].size(), 2u);
  EXPECT_EQ(list(out, "zen.spamhaus.org")["status"], "not_listed");
  // With the default lists, the two broken ones make the answer incomplete: exit 3.
  json({"192.0.2.1"}, 3);
}

TEST_F(Dnsbl, PblIsAPolicyListing) {
  auto out = json({"192.0.2.98", "--zone", "zen.spamhaus.org"}, 1);
  const auto& zen = list(out, "zen.spamhaus.org");
  EXPECT_TRUE(zen["policy_only"].get<bool>());
  EXPECT_EQ(zen["codes"][0]["code"], "127.0.0.10");
  EXPECT_NE(zen["codes"][0]["meaning"].get<std::string>().find("should not send mail directly"),
            std::string::npos);
}

TEST_F(Dnsbl, ListErrorAnswersAreCouldNotCheck) {
  auto zen = list(json({"192.0.2.97", "--zone", "zen.spamhaus.org"}, 3), "zen.spamhaus.org");
  EXPECT_EQ(zen["status"], "error");
  EXPECT_NE(zen["error"].get<std::string>().find("public or open resolvers"), std::string::npos);
  auto dbl = list(json({"refused.example", "--zone", "dbl.spamhaus.org"}, 3), "dbl.spamhaus.org");
  EXPECT_NE(dbl["error"].get<std::string>().find("127.0.1.255"), std::string::npos);
}

TEST_F(Dnsbl, Ipv6Nibbles) {
  auto zen = list(json({"2001:db8::99", "--zone", "zen.spamhaus.org"}, 1), "zen.spamhaus.org");
  EXPECT_EQ(zen["query"], "9.9.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org");
  EXPECT_EQ(zen["codes"][0]["code"], "127.0.0.3");
}

TEST_F(Dnsbl, DomainListsWithBitmasks) {
  auto out = json({"spammy.example"}, 1);
  EXPECT_EQ(list(out, "dbl.spamhaus.org")["codes"][0]["meaning"], "DBL: spam domain");
  const auto& surbl = list(out, "multi.surbl.org");
  EXPECT_EQ(surbl["status"], "listed");
  ASSERT_EQ(surbl["codes"].size(), 2u);
  EXPECT_EQ(surbl["codes"][0]["meaning"], "SURBL PH: phishing");
  EXPECT_EQ(surbl["codes"][1]["meaning"], "SURBL MW: malware");
  const auto& uribl = list(out, "multi.uribl.com");
  EXPECT_EQ(uribl["status"], "error");
  EXPECT_NE(uribl["error"].get<std::string>().find("query refused"), std::string::npos);
}

TEST_F(Dnsbl, UnknownZoneAndMixedTargets) {
  auto out = json({"192.0.2.99", "192.0.2.1", "--zone", "custom.test"}, 1);
  EXPECT_EQ(list(out, "custom.test", "192.0.2.99")["status"], "listed");
  EXPECT_NE(
      list(out, "custom.test", "192.0.2.99")["codes"][0]["meaning"].get<std::string>().find("not known"),
      std::string::npos);
  EXPECT_EQ(list(out, "custom.test", "192.0.2.1")["status"], "not_listed");
  // A zone the server does not serve answers REFUSED: could not check.
  auto refused = list(json({"192.0.2.1", "--zone", "not-served.test"}, 3), "not-served.test");
  EXPECT_EQ(refused["status"], "error");
}

TEST_F(Dnsbl, TextOutputAndUsageErrors) {
  auto r = relayctl({"192.0.2.99", "--zone", "zen.spamhaus.org"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("Spamhaus ZEN (zen.spamhaus.org): listed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("delisting: https://check.spamhaus.org/"), std::string::npos) << r.out;
  EXPECT_EQ(relayctl({"not a target!"}).exit_code, 2);
  EXPECT_EQ(run({RELAYCTL_BINARY, "dnsbl", "check"}).exit_code, 2);
  auto help = run({RELAYCTL_BINARY, "dnsbl", "check", "--help"});
  for (const char* flag : {"TARGET", "--zone", "--json", "--nameserver", "--dns-timeout", "--no-probe"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
}

TEST(DnsblTimeout, SilentServerIsCouldNotCheck) {
  relay::test::SilentDnsServer silent;
  auto r = run({RELAYCTL_BINARY, "dnsbl", "check", "192.0.2.1", "--nameserver", silent.address(),
                "--dns-timeout", "0.2", "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  auto out = nlohmann::json::parse(r.out);
  ASSERT_EQ(out["results"].size(), 4u);
  for (const auto& result : out["results"])
    EXPECT_EQ(result["status"], "error");
}

}  // namespace
