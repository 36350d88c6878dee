// `relayctl dkim check` for every status against nsd serving tests/fixtures/dns/dkim.test.zone: ok (RSA,
// Ed25519, split strings, unknown tags), weak, testing, too_short, mismatch, revoked, wrong_key_type,
// malformed (five ways), missing (NXDOMAIN, NODATA), temporary (a silent server), and unusable key files.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/dkim_tools.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using relay::test::run;

struct CheckCommand : ::testing::Test {
  relay::test::TempDir dir;
  relay::test::NsdServer nsd{{relay::test::fixture_zone("dkim.test")}};

  relay::test::RunResult check(const std::string& selector, const std::filesystem::path& key,
                               bool json = true, std::string nameserver = "") {
    std::vector<std::string> argv{RELAYCTL_BINARY,
                                  "dkim",
                                  "check",
                                  "--domain",
                                  "dkim.test",
                                  "--selector",
                                  selector,
                                  "--key",
                                  key.string(),
                                  "--nameserver",
                                  nameserver.empty() ? nsd.address() : nameserver,
                                  "--dns-timeout",
                                  "1"};
    if (json) argv.push_back("--json");
    return run(argv);
  }
};

TEST_F(CheckCommand, EveryStatus) {
  struct Row {
    std::string selector;
    std::string key;
    std::string status;
    int exit_code;
    std::string detail;
    int bits;
  };
  const Row rows[] = {
      {"rsa", "rsa2048", "ok", 0, "matches", 2048},
      {"ed", "ed25519", "ok", 0, "matches", 256},
      {"split", "rsa2048", "ok", 0, "matches", 2048},
      {"extra", "rsa2048", "ok", 0, "matches", 2048},
      {"weak", "rsa1024", "weak", 0, "1024-bit", 1024},
      {"testing", "rsa2048", "testing", 0, "t=y", 2048},
      {"short", "rsa512", "too_short", 1, "512-bit", 512},
      {"mismatch", "rsa2048", "mismatch", 1, "not the public half", 2048},
      {"revoked", "rsa2048", "revoked", 1, "revoked", 2048},
      {"wrongtype", "rsa2048", "wrong_key_type", 1, "k=ed25519", 2048},
      {"rsa", "ed25519", "wrong_key_type", 1, "k=rsa", 256},
      {"badbase64", "rsa2048", "malformed", 1, "base64", 2048},
      {"notdkim", "rsa2048", "malformed", 1, "not a DKIM key record", 2048},
      {"badversion", "rsa2048", "malformed", 1, "v=", 2048},
      {"twokeys", "rsa2048", "malformed", 1, "2 DKIM key records", 2048},
      {"nosha256", "rsa2048", "malformed", 1, "h=", 2048},
      {"nokey", "rsa2048", "missing", 1, "nxdomain", 2048},
      {"nodata", "rsa2048", "missing", 1, "nodata", 2048},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.selector + " with " + row.key);
    auto r = check(row.selector, relay::test::private_dkim_key(dir, row.key));
    EXPECT_EQ(r.exit_code, row.exit_code) << r.out << r.err;
    auto json = nlohmann::json::parse(r.out);
    EXPECT_EQ(json["status"], row.status);
    EXPECT_EQ(json["name"], row.selector + "._domainkey.dkim.test");
    EXPECT_EQ(json["bits"], row.bits);
    EXPECT_NE(json["detail"].get<std::string>().find(row.detail), std::string::npos) << json["detail"];
    EXPECT_EQ(json["fix"].get<std::string>().empty(), row.status == "ok") << json["fix"];
  }
}

TEST_F(CheckCommand, TextOutputAndTheFixToPublish) {
  auto key = relay::test::private_dkim_key(dir, "rsa2048");
  auto ok = check("rsa", key, false);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_NE(ok.out.find("DKIM key rsa._domainkey.dkim.test: ok"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("record: v=DKIM1; k=rsa; p=MIIB"), std::string::npos) << ok.out;
  auto missing = check("nokey", key, false);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(
      missing.out.find("fix:    publish in the dkim.test zone: nokey._domainkey.dkim.test. 3600 IN TXT ( "
                       "\"v=DKIM1; k=rsa; p="),
      std::string::npos)
      << missing.out;
}

TEST_F(CheckCommand, SilentNameserverIsTemporary) {
  relay::test::SilentDnsServer silent;
  auto r = check("rsa", relay::test::private_dkim_key(dir, "rsa2048"), true, silent.address());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["status"], "temporary");
}

TEST_F(CheckCommand, UnusableKeyFilesAreUsageErrors) {
  auto checked_out = relay::test::private_dkim_key(dir, "rsa2048");  // then as git checks it out: 0644
  std::filesystem::permissions(checked_out,
                               std::filesystem::perms::others_read | std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  auto world = check("rsa", checked_out, false);
  EXPECT_EQ(world.exit_code, 2);
  EXPECT_NE(world.err.find("readable by every user"), std::string::npos) << world.err;
  EXPECT_NE(world.err.find("chmod 600 " + checked_out.string()), std::string::npos) << world.err;
  auto missing = check("rsa", dir.path() / "absent.pem", false);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("absent.pem"), std::string::npos);
  auto bad_domain = run({RELAYCTL_BINARY, "dkim", "check", "--domain", "not a domain", "--selector", "s",
                         "--key", checked_out.string()});
  EXPECT_EQ(bad_domain.exit_code, 2);
  EXPECT_NE(bad_domain.err.find("--domain"), std::string::npos);
  auto help = run({RELAYCTL_BINARY, "dkim", "check", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (std::string word :
       {"--domain", "--selector", "--key", "--json", "--nameserver", "--dns-timeout", "too_short"})
    EXPECT_NE(help.out.find(word), std::string::npos) << word;
}

}  // namespace
