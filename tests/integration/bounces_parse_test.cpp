// `relayctl bounces parse` run as an operator runs it: real bounce messages from the corpus in
// tests/fixtures/bounces (a Postfix DSN, a qmail plain-text bounce, an ARF report, an out-of-office reply)
// in text and --json; the VERP token checked with the configuration's secret — valid (campaign and
// recipient), forged (one character of the MAC changed), none, and "unchecked" without a secret; stdin;
// an unreadable file and a bad rules file exit 2 naming what to fix.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "campaigns/tokens/token_secret.hpp"
#include "campaigns/tokens/verp.hpp"
#include "tests/support/bounce_mail.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

const std::string kSecret = "0123456789abcdef0123456789abcdef-bounces-parse";

RunResult relayctl(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), RELAYCTL_BINARY);
  RunOptions options;
  options.input = input;
  return run(args, options);
}

std::string fixture(const std::string& name) {
  return std::string(RELAY_FIXTURES_DIR) + "/bounces/" + name;
}

class BouncesParseCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto secret_file = dir.write("token.secret", kSecret);
    chmod(secret_file.c_str(), 0600);
    config = dir.write("relayctl.toml", "[campaigns]\ndatabase = \"" + (dir.path() / "db.sqlite").string() +
                                            "\"\ntoken_secret_file = \"" + secret_file.string() + "\"\n")
                 .string();
    auto secret = campaigns::TokenSecret::from_bytes(kSecret);
    verp = campaigns::verp_address(secret, *campaigns::BounceAddress::parse("bounces@bounce.example.com"),
                                   *campaigns::CampaignId::parse("autumn"),
                                   *campaigns::RecipientId::parse("17"));
  }
  nlohmann::json parse_json(const std::string& file, const std::string& recipient = "") {
    std::vector<std::string> args{"bounces", "parse", "--json", "--config", config, file};
    if (!recipient.empty()) args.insert(args.end(), {"--recipient", recipient});
    auto result = relayctl(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out, nullptr, false);
  }

  TempDir dir;
  std::string config, verp;
};

TEST_F(BouncesParseCli, ARealPostfixDsnWithAValidToken) {
  auto json = parse_json(fixture("postfix-02.eml"), verp);
  ASSERT_TRUE(json.is_object());
  EXPECT_EQ(json["kind"], "dsn");
  EXPECT_EQ(json["token"]["status"], "valid");
  EXPECT_EQ(json["token"]["campaign"], "autumn");
  EXPECT_EQ(json["token"]["recipient"], "17");
  ASSERT_FALSE(json["recipients"].empty());
  const auto& first = json["recipients"][0];
  EXPECT_EQ(first["action"], "failed");
  EXPECT_FALSE(first["status"].get<std::string>().empty());
  EXPECT_TRUE(first["class"].is_string());
  EXPECT_THAT(first["severity"].get<std::string>(), ::testing::AnyOf("hard", "soft"));
}

TEST_F(BouncesParseCli, TextNamesKindRecipientClassAndToken) {
  ReturnedMessage original{verp, "gone@dest.test", "<o1@example.com>", "Hello"};
  auto dsn = dir.write("dsn.eml", make_dsn(original, "mx.dest.test", "5.1.1",
                                            "smtp; 550 5.1.1 <gone@dest.test>: Recipient address rejected: "
                                            "User unknown in local recipient table"));
  auto result = relayctl({"bounces", "parse", "--config", config, dsn.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("kind:          dsn"));
  EXPECT_THAT(result.out, HasSubstr("token:         valid: campaign autumn, recipient 17"));
  EXPECT_THAT(result.out, HasSubstr("recipient:     gone@dest.test"));
  EXPECT_THAT(result.out, HasSubstr("  class:       invalid-recipient (hard;"));

  // The same from stdin.
  std::ifstream in(dsn);
  std::stringstream text;
  text << in.rdbuf();
  auto piped = relayctl({"bounces", "parse", "--config", config, "-"}, text.str());
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, result.out);
}

TEST_F(BouncesParseCli, AForgedTokenIsForgedAndNoSecretIsUnchecked) {
  std::string forged = verp;
  auto at = forged.find('@');
  forged[at - 1] = forged[at - 1] == 'a' ? 'b' : 'a';
  ReturnedMessage original{forged, "gone@dest.test", "<o2@example.com>", "Hello"};
  auto dsn = dir.write("forged.eml", make_dsn(original, "mx.dest.test", "5.1.1", "smtp; 550 5.1.1 unknown"));
  EXPECT_EQ(parse_json(dsn.string(), forged)["token"]["status"], "forged");

  auto bare = dir.write("bare.toml", "");
  auto unchecked = relayctl({"bounces", "parse", "--json", "--config", bare.string(), dsn.string()});
  ASSERT_EQ(unchecked.exit_code, 0) << unchecked.err;
  EXPECT_EQ(nlohmann::json::parse(unchecked.out)["token"]["status"], "unchecked");
}

TEST_F(BouncesParseCli, PlainTextArfAndAutoReplies) {
  auto qmail = parse_json(fixture("qmail-01.eml"));
  EXPECT_EQ(qmail["kind"], "plain-bounce");
  EXPECT_FALSE(qmail["recipients"].empty());
  EXPECT_EQ(qmail["token"]["status"], "none");

  auto arf = parse_json(fixture("arf-03.eml"));
  EXPECT_EQ(arf["kind"], "arf");
  ASSERT_TRUE(arf["complaint"].is_object());
  EXPECT_EQ(arf["complaint"]["feedback_type"], "abuse");

  ReturnedMessage original{verp, "away@dest.test", "<o3@example.com>", "Hello"};
  auto ooo = dir.write("ooo.eml", make_auto_reply(original));
  auto reply = parse_json(ooo.string(), verp);
  EXPECT_EQ(reply["kind"], "auto-reply");
  EXPECT_TRUE(reply["recipients"].empty());
}

TEST_F(BouncesParseCli, UnreadableFileAndBadRulesExitTwo) {
  auto missing = relayctl({"bounces", "parse", "--config", config, (dir.path() / "nope.eml").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("cannot read"));

  auto rules = dir.write("rules.toml", "[[rule]]\nname = \"x\"\nclass = \"no-such-class\"\nseverity = \"hard\"\ncode = \"5\"\n");
  auto bad = dir.write("bad.toml", "[bounces]\nrules_file = \"" + rules.string() + "\"\n");
  auto result = relayctl({"bounces", "parse", "--config", bad.string(), fixture("qmail-01.eml")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("rules.toml:"));
}

}  // namespace
