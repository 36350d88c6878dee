// `relayctl bounces classify` run as a user runs it: text and --json output by the rules installed beside
// the binary, with no configuration; a configuration's extra rule taking precedence; a bad rules file
// (exit 2, naming the file and the line); no rules file beside a copied binary, then one in
// ../share/relayctl/.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

constexpr const char* kGmailNoSuchUser =
    "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the "
    "recipient's email address for typos or unnecessary spaces. - gsmtp";

RunResult relayctl(std::vector<std::string> args, const std::string& binary = RELAYCTL_BINARY) {
  args.insert(args.begin(), binary);
  return run(args);
}

TEST(BouncesClassifyCli, PrintsClassSeverityAndRule) {
  auto result = relayctl({"bounces", "classify", kGmailNoSuchUser});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "class:    invalid-recipient\nseverity: hard\nrule:     invalid-recipient\n");

  auto rate =
      relayctl({"bounces", "classify", "550 Connection frequency limited. http://service.mail.qq.com"});
  ASSERT_EQ(rate.exit_code, 0) << rate.err;
  EXPECT_THAT(rate.out, HasSubstr("class:    rate-limited\nseverity: soft\n"));
}

TEST(BouncesClassifyCli, JsonHasExactlyClassSeverityAndRule) {
  auto result = relayctl({"bounces", "classify", "--json", "TLS handshake failed: wrong version number"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "{\"class\":\"tls-failure\",\"severity\":\"soft\",\"rule\":\"local-tls-handshake\"}\n");

  auto expired = relayctl({"bounces", "classify", "--json",
                           "delivery time expired; last error: 452 4.2.2 The email account that you tried to "
                           "reach is over quota."});
  ASSERT_EQ(expired.exit_code, 0) << expired.err;
  EXPECT_EQ(nlohmann::json::parse(expired.out)["class"], "mailbox-full");
}

TEST(BouncesClassifyCli, ConfigRulesComeBeforeTheShippedOnes) {
  TempDir dir;
  auto config = dir.write("relayctl.toml", R"([[bounces.rule]]
name = "our-relay-quirk"
class = "rate-limited"
severity = "soft"
code = "550"
text = 'does not exist\. Please try'
)");
  auto result = relayctl({"bounces", "classify", "--json", "--config", config.string(), kGmailNoSuchUser});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out),
            (nlohmann::json{{"class", "rate-limited"}, {"severity", "soft"}, {"rule", "our-relay-quirk"}}));

  auto other = relayctl({"bounces", "classify", "--config", config.string(), "550 5.1.1 User unknown"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_THAT(other.out, HasSubstr("class:    invalid-recipient\n"));
}

TEST(BouncesClassifyCli, ABadRulesFileExits2NamingFileAndLine) {
  TempDir dir;
  auto rules = dir.write("rules.toml",
                         "[[rule]]\nname = \"x\"\nclass = \"spam\"\nseverity = \"hard\"\ncode = \"5\"\n"
                         "\n[[rule]]\nname = \"y\"\nclass = \"other\"\nseverity = \"hard\"\n"
                         "text = 'unclosed ('\n");
  auto config = dir.write("relayctl.toml", "[bounces]\nrules_file = \"" + rules.string() + "\"\n");
  auto result = relayctl({"bounces", "classify", "--config", config.string(), "550 5.1.1 x"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr(rules.string() + ":3:9: rule[0].class: \"spam\" is not a bounce class"));
  EXPECT_THAT(result.err,
              HasSubstr(rules.string() + ":11:8: rule.text: rule \"y\": the pattern does not compile"));

  auto bad_extra = dir.write("extra.toml",
                             "[[bounces.rule]]\nname = \"z\"\nclass = \"other\"\nseverity = \"soft\"\n"
                             "text = 'a{2,1}'\n");
  auto extra = relayctl({"bounces", "classify", "--config", bad_extra.string(), "550 5.1.1 x"});
  EXPECT_EQ(extra.exit_code, 2);
  EXPECT_THAT(extra.err, HasSubstr(bad_extra.string() + ":5:8: bounces.rule[0].text: rule \"z\""));

  auto missing = dir.write("missing.toml", "[bounces]\nrules_file = \"/nonexistent/rules.toml\"\n");
  auto gone = relayctl({"bounces", "classify", "--config", missing.string(), "550 5.1.1 x"});
  EXPECT_EQ(gone.exit_code, 2);
  EXPECT_THAT(gone.err, HasSubstr("/nonexistent/rules.toml does not exist"));
}

TEST(BouncesClassifyCli, FindsTheRulesBesideTheBinaryOrInShare) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "bin");
  auto binary = dir.path() / "bin" / "relayctl";
  std::filesystem::copy_file(RELAYCTL_BINARY, binary);
  auto alone = relayctl({"bounces", "classify", "550 5.1.1 x"}, binary.string());
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_THAT(alone.err, HasSubstr((dir.path() / "bin" / "bounce-rules.toml").string() +
                                   ": cannot load the bounce rules: no such file"));

  std::filesystem::create_directories(dir.path() / "share" / "relayctl");
  std::filesystem::copy_file(RELAY_SOURCE_DIR "/campaigns/bounces/classify/bounce-rules.toml",
                             dir.path() / "share" / "relayctl" / "bounce-rules.toml");
  auto shared = relayctl({"bounces", "classify", "--json", "552 5.2.2 Mailbox full"}, binary.string());
  ASSERT_EQ(shared.exit_code, 0) << shared.err;
  EXPECT_EQ(nlohmann::json::parse(shared.out)["class"], "mailbox-full");
}

}  // namespace
