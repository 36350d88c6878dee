// `relayctl dkim sign` refusing what it cannot sign: malformed messages (no From, two From, a header line
// without a colon, a huge header field, an empty message), unsafe or unusable keys, bad flags; each a clear
// message on stderr and exit code 2, nothing on stdout. Also --expire and --canonicalization, and --help.
#include <gtest/gtest.h>

#include "tests/support/dkim_tools.hpp"
#include "tests/support/process.hpp"

namespace {

using relay::test::run;

struct SignCommand : ::testing::Test {
  relay::test::TempDir dir;
  std::filesystem::path key = relay::test::private_dkim_key(dir, "rsa2048");

  relay::test::RunResult sign(const std::string& message, std::vector<std::string> extra = {},
                              const std::filesystem::path& with_key = {}) {
    std::vector<std::string> argv{RELAYCTL_BINARY, "dkim",      "sign",
                                  "--domain",      "dkim.test", "--selector",
                                  "rsa",           "--key",     (with_key.empty() ? key : with_key).string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    relay::test::RunOptions options;
    options.input = message;
    return run(argv, options);
  }
};

TEST_F(SignCommand, MalformedMessagesAreRefusedClearly) {
  struct Row {
    std::string message;
    std::string error;
  };
  const Row rows[] = {
      {"To: b@example.org\n\nno From\n", "no From header field"},
      {"From: a@dkim.test\nFrom: b@dkim.test\n\nx\n", "2 From header fields"},
      {"From: a@dkim.test\nthis is not a header\n\nx\n", "header line 2 has no colon"},
      {"From: a@dkim.test\nX-Huge: " + std::string(70000, 'h') + "\n\nx\n", "longer than 65536 bytes"},
      {"", "no header fields"},
      {"From: a@[192.0.2.1]\n\nx\n", "valid domain"},
  };
  for (const auto& row : rows) {
    auto r = sign(row.message);
    EXPECT_EQ(r.exit_code, 2) << row.error;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(row.error), std::string::npos) << r.err;
  }
}

TEST_F(SignCommand, UnsafeAndUnusableKeys) {
  std::filesystem::permissions(key, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  auto world = sign("From: a@dkim.test\n\nx\n");
  EXPECT_EQ(world.exit_code, 2);
  EXPECT_NE(world.err.find("chmod 600 " + key.string()), std::string::npos) << world.err;
  auto tiny = sign("From: a@dkim.test\n\nx\n", {}, relay::test::private_dkim_key(dir, "rsa512"));
  EXPECT_EQ(tiny.exit_code, 2);
  EXPECT_NE(tiny.err.find("512-bit"), std::string::npos) << tiny.err;
  auto not_a_key = dir.write("notakey.pem", "hello\n");
  std::filesystem::permissions(not_a_key, std::filesystem::perms::owner_read,
                               std::filesystem::perm_options::replace);
  auto text = sign("From: a@dkim.test\n\nx\n", {}, not_a_key);
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_NE(text.err.find("not a PEM private key"), std::string::npos) << text.err;
}

TEST_F(SignCommand, FlagsExpireCanonicalizationAndHelp) {
  auto expiring =
      sign("From: a@dkim.test\n\nx\n", {"--expire", "604800", "--canonicalization", "simple/simple"});
  ASSERT_EQ(expiring.exit_code, 0) << expiring.err;
  EXPECT_NE(expiring.out.find("c=simple/simple"), std::string::npos) << expiring.out;
  EXPECT_NE(expiring.out.find(" x="), std::string::npos) << expiring.out;
  EXPECT_EQ(sign("From: a@dkim.test\n\nx\n", {"--canonicalization", "loose"}).exit_code, 2);
  EXPECT_EQ(run({RELAYCTL_BINARY, "dkim", "sign", "--domain", "dkim.test"}).exit_code, 2);
  auto help = run({RELAYCTL_BINARY, "dkim", "sign", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (std::string word : {"--domain", "--selector", "--key", "--canonicalization", "--expire", "stdin"})
    EXPECT_NE(help.out.find(word), std::string::npos) << word;
}

}  // namespace
