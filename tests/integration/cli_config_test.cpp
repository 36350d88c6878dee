// The relayctl binary's contract for configuration: `config check` on good and bad files, exit codes,
// messages naming file, line and key, and the help and version output.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using relay::test::run;
using relay::test::TempDir;
using ::testing::HasSubstr;

relay::test::RunResult relayctl(std::vector<std::string> args) {
  args.insert(args.begin(), RELAYCTL_BINARY);
  return run(args);
}

TEST(CliConfig, ValidFilePrintsTheEffectiveConfiguration) {
  TempDir dir;
  auto file =
      dir.write("relayctl.toml",
                "[server]\nhostname = \"mx.example.com\"\n[dns]\nnameservers = [\"127.0.0.1:5353\"]\n");
  auto result = relayctl({"config", "check", "--config", file.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("configuration is valid"));
  EXPECT_THAT(result.out, HasSubstr("hostname = 'mx.example.com'"));
  EXPECT_THAT(result.out, HasSubstr("nameservers = [ '127.0.0.1:5353' ]"));
  EXPECT_THAT(result.out, HasSubstr("retry_initial = '5m'"));  // defaults are printed too

  auto reloaded = dir.write("printed.toml", result.out);
  auto again = relayctl({"config", "check", "--config", reloaded.string()});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, result.out);
}

TEST(CliConfig, JsonOutputIsOneObject) {
  TempDir dir;
  auto file = dir.write("relayctl.toml", "");
  auto result = relayctl({"config", "check", "--json", "--config", file.string()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  ASSERT_FALSE(result.out.empty());
  EXPECT_EQ(result.out.front(), '{');
  EXPECT_THAT(result.out, HasSubstr("\"listener\""));
}

TEST(CliConfig, MalformedFileNamesLineAndKeyAndExitsTwo) {
  TempDir dir;
  auto file =
      dir.write("bad.toml",
                "[server]\nhostname = \"mx.example.com\"\n\n[[server.listener]]\n"
                "address = \"127.0.0.1\"\nport = 99999\nkind = \"submission\"\n[spool]\ndirctory = \"/x\"\n");
  auto result = relayctl({"config", "check", "--config", file.string()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_THAT(result.err,
              HasSubstr(file.string() + ":6:8: server.listener[0].port: expected an integer from 1 to "
                                        "65535, got 99999"));
  EXPECT_THAT(
      result.err,
      HasSubstr(file.string() + ":9:1: spool.dirctory: unknown key 'dirctory'; did you mean 'directory'?"));
  EXPECT_THAT(result.err, HasSubstr("2 errors in " + file.string()));
}

TEST(CliConfig, SyntaxErrorExitsTwo) {
  TempDir dir;
  auto file = dir.write("bad.toml", "[server]\nhostname = mx.example.com\n");
  auto result = relayctl({"config", "check", "--config", file.string()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr(file.string() + ":2:"));
  EXPECT_THAT(result.err, HasSubstr("TOML syntax error"));
}

TEST(CliConfig, BinaryGarbageIsAnErrorNotACrash) {
  TempDir dir;
  std::string garbage;
  for (int i = 0; i < 4096; ++i)
    garbage += static_cast<char>((i * 7919) % 256);
  auto file = dir.write("garbage.toml", garbage);
  auto result = relayctl({"config", "check", "--config", file.string()});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_THAT(result.err, HasSubstr(file.string()));
}

TEST(CliConfig, MissingFileExitsTwo) {
  auto result = relayctl({"config", "check", "--config", "/nonexistent/relayctl.toml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("/nonexistent/relayctl.toml: cannot read the configuration file"));
}

TEST(CliUsage, HelpAndVersion) {
  auto help = relayctl({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("config"));
  EXPECT_THAT(help.out, HasSubstr("Exit codes"));
  auto check_help = relayctl({"config", "check", "--help"});
  EXPECT_EQ(check_help.exit_code, 0);
  EXPECT_THAT(check_help.out, HasSubstr("--config"));
  EXPECT_THAT(check_help.out, HasSubstr("--json"));
  auto version = relayctl({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, HasSubstr("relayctl 0."));
}

TEST(CliUsage, BadFlagsAndCommandsExitTwo) {
  EXPECT_EQ(relayctl({}).exit_code, 2);
  EXPECT_EQ(relayctl({"no-such-command"}).exit_code, 2);
  EXPECT_EQ(relayctl({"config", "check", "--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(relayctl({"--log-format", "xml", "config", "check"}).exit_code, 2);
}

}  // namespace
