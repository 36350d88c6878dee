// `relayctl spf check` and `relayctl spf lint` as a user runs them, against nsd serving the fixture zones:
// results, JSON, exit codes, the HELO identity, a nameserver that never answers, bad flags, --help.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using relay::test::run;

struct SpfCommand : ::testing::Test {
  relay::test::NsdServer nsd{{relay::test::fixture_zone("spf.test"), relay::test::fixture_zone("lint.test"),
                              relay::test::fixture_zone("2.0.192.in-addr.arpa")}};
  relay::test::RunResult relayctl(std::vector<std::string> args) {
    args.insert(args.begin(), RELAYCTL_BINARY);
    args.insert(args.end(), {"--nameserver", nsd.address(), "--dns-timeout", "2"});
    return run(args);
  }
};

TEST_F(SpfCommand, PassPrintsRecordAndMechanism) {
  auto r = relayctl({"spf", "check", "--ip", "192.0.2.10", "--sender", "user@include.spf.test"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("pass"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("v=spf1 include:ip4.spf.test -all"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ip4.spf.test: ip4:192.0.2.0/24"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 of 10"), std::string::npos) << r.out;
}

TEST_F(SpfCommand, FailJsonHasResultAndExplanation) {
  auto r = relayctl({"spf", "check", "--ip", "192.0.2.10", "--sender", "user@exp.spf.test", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["result"], "fail");
  EXPECT_EQ(json["explanation"], "192.0.2.10 is not allowed by exp.spf.test");
  EXPECT_EQ(json["mechanism"], "exp.spf.test: -all");
  EXPECT_EQ(json["record"], "v=spf1 -all exp=explain.spf.test");
  EXPECT_EQ(json["dns_lookups"], 0);
}

TEST_F(SpfCommand, HeloIdentityAndPermerror) {
  auto r = relayctl({"spf", "check", "--ip", "192.0.2.10", "--sender", "user@eleven.spf.test", "--helo",
                     "heloname.spf.test", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["result"], "permerror");
  EXPECT_NE(json["problem"].get<std::string>().find("more than 10"), std::string::npos);
  EXPECT_EQ(json["helo"]["result"], "pass");

  auto null_sender =
      relayctl({"spf", "check", "--ip", "192.0.2.10", "--sender", "", "--helo", "heloname.spf.test"});
  EXPECT_EQ(null_sender.exit_code, 0) << null_sender.out << null_sender.err;
}

TEST_F(SpfCommand, SilentNameserverIsTemporary) {
  relay::test::SilentDnsServer silent;
  auto started = std::chrono::steady_clock::now();
  auto r = run({RELAYCTL_BINARY, "spf", "check", "--ip", "192.0.2.10", "--sender", "user@ip4.spf.test",
                "--nameserver", silent.address(), "--dns-timeout", "0.3", "--json"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["result"], "temperror");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_GE(silent.received(), 1u);
}

TEST_F(SpfCommand, BadFlagsAreUsageErrors) {
  auto bad_ip = relayctl({"spf", "check", "--ip", "999.1.1.1", "--sender", "a@b.test"});
  EXPECT_EQ(bad_ip.exit_code, 2);
  EXPECT_NE(bad_ip.err.find("--ip"), std::string::npos);
  auto bad_ns = run({RELAYCTL_BINARY, "spf", "check", "--ip", "192.0.2.1", "--sender", "a@b.test",
                     "--nameserver", "not a server"});
  EXPECT_EQ(bad_ns.exit_code, 2);
  EXPECT_NE(bad_ns.err.find("--nameserver"), std::string::npos);
  auto missing = run({RELAYCTL_BINARY, "spf", "check", "--ip", "192.0.2.1"});
  EXPECT_EQ(missing.exit_code, 2);
  auto help = run({RELAYCTL_BINARY, "spf", "check", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--ip", "--sender", "--helo", "--json", "--nameserver", "--dns-timeout"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
}

struct LintCase {
  const char* domain;
  int exit_code;
  const char* code;  // a finding expected ("" = none)
};

class SpfLint : public SpfCommand, public ::testing::WithParamInterface<LintCase> {};

TEST_P(SpfLint, Findings) {
  const auto& c = GetParam();
  auto r = relayctl({"spf", "lint", std::string(c.domain) + ".lint.test", "--json"});
  EXPECT_EQ(r.exit_code, c.exit_code) << r.out << r.err;
  auto json = nlohmann::json::parse(r.out);
  bool found = std::string(c.code).empty() && json["findings"].empty();
  for (const auto& finding : json["findings"])
    if (finding["code"] == c.code) found = true;
  EXPECT_TRUE(found) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    Domains, SpfLint,
    ::testing::Values(LintCase{"good", 0, ""}, LintCase{"plusall", 1, "plus-all"},
                      LintCase{"noall", 0, "no-all"}, LintCase{"ptr", 0, "ptr"},
                      LintCase{"several", 1, "several-records"}, LintCase{"syntax", 1, "syntax"},
                      LintCase{"deep", 1, "too-many-lookups"}, LintCase{"void", 1, "too-many-void-lookups"},
                      LintCase{"loop", 1, "loop"}, LintCase{"missing", 1, "missing-include"},
                      LintCase{"long", 0, "too-long"}, LintCase{"absent", 1, "no-domain"}),
    [](const auto& info) { return std::string(info.param.domain); });

TEST_F(SpfCommand, LintTextOutput) {
  auto r = relayctl({"spf", "lint", "deep.lint.test"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("11 of 10"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("error:"), std::string::npos) << r.out;
}

}  // namespace
