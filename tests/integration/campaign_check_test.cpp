// `relayctl campaign check` run as a user runs it: a campaign directory (TOML, templates, a CSV with good
// and bad rows) and a suppression added with `relayctl suppress add`; the counts (rows = renderable +
// skipped by reason), the skipped rows as FILE:LINE, exit codes, rendered samples written with --out and
// checked (message_check, the VERP token), and the errors that stop a check (campaign file, template
// fields, token secret).
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaigns/message/message_check.hpp"
#include "campaigns/tokens/token_secret.hpp"
#include "campaigns/tokens/verp.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

const std::string kSecret = "0123456789abcdef0123456789abcdef-integration";

const std::string kCampaign =
    "id = \"spring-24\"\n"
    "name = \"Spring news\"\n"
    "from = \"Acme News <news@acme.example>\"\n"
    "subject = \"Hello {{first_name}}{{^first_name}}there{{/first_name}}\"\n"
    "text_template = \"news.txt\"\n"
    "html_template = \"news.html\"\n"
    "recipients = \"list.csv\"\n"
    "bounce_address = \"bounces@bounce.acme.example\"\n"
    "list_id = \"spring.news.acme.example\"\n"
    "[unsubscribe]\n"
    "url = \"https://acme.example/u\"\n"
    "mailto = \"unsubscribe@acme.example\"\n"
    "[feedback_id]\n"
    "sender = \"acme\"\n";

const std::string kList =
    "email,first_name,offer\r\n"
    "jane@example.com,Jane,10% off\r\n"                         // 2 ok
    "bob@example.com,,5% off\r\n"                               // 3 ok (the default name)
    "not-an-address,X,1\r\n"                                    // 4 invalid address
    "jane@EXAMPLE.com,Jane again,1\r\n"                         // 5 duplicate
    "gone@example.com,Gone,1\r\n"                               // 6 suppressed
    "carl@example.com,Carl,\r\n"                                // 7 missing field offer
    "dee@example.com,\"Dee, \"\"D\"\"\",\"two\r\nlines\"\r\n";  // 8-9 ok

class CampaignCheck : public ::testing::Test {
 protected:
  CampaignCheck() {
    secret = dir.write("token.secret", kSecret);
    chmod(secret.c_str(), 0600);
    config = dir.write("c.toml", "[campaigns]\ndatabase = \"" + (dir.path() / "relayctl.db").string() +
                                     "\"\ntoken_secret_file = \"" + secret.string() + "\"\n");
    dir.write("news.txt", "Hi {{first_name}}{{^first_name}}there{{/first_name}},\n{{offer}}\n");
    dir.write("news.html",
              "<html><body><p>Hi {{first_name}}{{^first_name}}there{{/first_name}}</p>"
              "<p>{{offer}}</p></body></html>\n");
    dir.write("list.csv", kList);
    campaign = dir.write("campaign.toml", kCampaign);
  }
  RunResult relayctl(std::vector<std::string> args) {
    args.insert(args.begin(), RELAYCTL_BINARY);
    args.insert(args.end(), {"--config", config.string()});
    return run(args);
  }
  TempDir dir;
  std::filesystem::path secret, config, campaign;
};

TEST_F(CampaignCheck, CountsAndSkippedRows) {
  auto added = relayctl({"suppress", "add", "gone@example.com", "--reason", "unsubscribe"});
  ASSERT_EQ(added.exit_code, 0) << added.err;

  auto checked = relayctl({"campaign", "check", campaign.string()});
  EXPECT_EQ(checked.exit_code, 1) << checked.err;
  EXPECT_THAT(checked.out, HasSubstr("campaign spring-24: " + campaign.string() + " is valid\n"));
  EXPECT_THAT(checked.out,
              HasSubstr("recipients: 7 rows, 3 renderable, 4 skipped (invalid address 1, duplicate 1, "
                        "suppressed 1, missing field 1)\n"));
  EXPECT_THAT(checked.out, HasSubstr("nothing was sent\n"));
  std::string csv = (dir.path() / "list.csv").string();
  EXPECT_THAT(checked.err, HasSubstr(csv + ":4: skipped: invalid address: 'not-an-address'"));
  EXPECT_THAT(checked.err, HasSubstr(csv + ":5: skipped: duplicate: jane@example.com is already on line 2"));
  EXPECT_THAT(checked.err, HasSubstr(csv + ":6: skipped: suppressed: gone@example.com is suppressed"));
  EXPECT_THAT(checked.err, HasSubstr(csv + ":7: skipped: missing field: no value for {{offer}}"));

  auto limited = relayctl({"campaign", "check", campaign.string(), "--problems", "1"});
  EXPECT_THAT(limited.err, HasSubstr("... and 3 more skipped rows"));
}

TEST_F(CampaignCheck, OnlySuppressedRowsSkippedIsSuccess) {
  ASSERT_EQ(relayctl({"suppress", "add", "@example.com", "--reason", "complaint"}).exit_code, 0);
  dir.write("list.csv", "email,first_name,offer\nann@other.test,Ann,1\ngone@example.com,G,1\n");
  auto checked = relayctl({"campaign", "check", campaign.string()});
  EXPECT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_THAT(checked.out, HasSubstr("recipients: 2 rows, 1 renderable, 1 skipped (suppressed 1)\n"));
}

TEST_F(CampaignCheck, WritesRenderedSamples) {
  auto out_dir = dir.path() / "out";
  auto checked =
      relayctl({"campaign", "check", campaign.string(), "--out", out_dir.string(), "--render", "2"});
  EXPECT_EQ(checked.exit_code, 1) << checked.err;  // the bad rows
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(out_dir))
    files.push_back(entry.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_THAT(checked.out,
              ::testing::ContainsRegex("wrote [^ ]+\\.eml  MAIL FROM:<bounces\\+spring-24\\.[a-z0-9]+\\."
                                       "[a-z0-9]+@bounce\\.acme\\.example> RCPT TO:<jane@example\\.com>"));
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    std::string message = content.str();
    EXPECT_THAT(message, HasSubstr("Content-Type: multipart/alternative"));
    EXPECT_THAT(message, HasSubstr("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
    for (const auto& finding : campaigns::check_message(message).findings)
      EXPECT_NE(finding.status, dns::preflight::Status::fail) << finding.check << ": " << finding.detail;
  }
  // The return path printed for a sample decodes under the configured secret to its file's recipient id.
  auto at = checked.out.find("MAIL FROM:<") + 11;
  std::string envelope = checked.out.substr(at, checked.out.find('>', at) - at);
  auto token_secret = campaigns::TokenSecret::from_bytes(kSecret);
  auto decoded = campaigns::decode_verp(
      token_secret, *campaigns::BounceAddress::parse("bounces@bounce.acme.example"), envelope);
  ASSERT_EQ(decoded.status, campaigns::TokenStatus::valid) << envelope;
  EXPECT_TRUE(std::filesystem::exists(out_dir / (decoded.ids->recipient.str() + ".eml")));
}

TEST_F(CampaignCheck, CampaignFileErrorsExit2) {
  std::string bad = kCampaign;
  bad.replace(bad.find("list_id"), 7, "listid");
  dir.write("campaign.toml", bad);
  auto checked = relayctl({"campaign", "check", campaign.string()});
  EXPECT_EQ(checked.exit_code, 2);
  EXPECT_THAT(checked.err,
              HasSubstr(campaign.string() + ":9:1: listid: unknown key 'listid'; did you mean 'list_id'?"));
  EXPECT_THAT(checked.err, HasSubstr("missing list_id (required)"));
  EXPECT_EQ(checked.out, "");
}

TEST_F(CampaignCheck, TemplateFieldNotInCsvExit2) {
  dir.write("news.txt", "Hi {{frist_name}}\n");
  auto checked = relayctl({"campaign", "check", campaign.string()});
  EXPECT_EQ(checked.exit_code, 2);
  EXPECT_THAT(checked.err,
              HasSubstr("news.txt uses {{frist_name}}, which is neither a column nor a built-in field"));
}

TEST_F(CampaignCheck, TemplateSyntaxErrorExit2) {
  dir.write("news.html", "<p>\n{{#vip}}\n");
  auto checked = relayctl({"campaign", "check", campaign.string()});
  EXPECT_EQ(checked.exit_code, 2);
  EXPECT_THAT(checked.err, HasSubstr(campaign.string() + ":6:17: html_template: template error: "));
  EXPECT_THAT(checked.err, HasSubstr("news.html:2: the section {{#vip}} is never closed"));
}

TEST_F(CampaignCheck, CsvWithoutEmailColumnExit2) {
  dir.write("list.csv", "address,first_name\na@x.test,A\n");
  auto checked = relayctl({"campaign", "check", campaign.string()});
  EXPECT_EQ(checked.exit_code, 2);
  EXPECT_THAT(checked.err, HasSubstr("list.csv: line 1: the header names no email column"));
}

TEST_F(CampaignCheck, NeedsTheTokenSecret) {
  config = dir.write("c.toml", "[campaigns]\ndatabase = \"" + (dir.path() / "relayctl.db").string() + "\"\n");
  auto checked = relayctl({"campaign", "check", campaign.string()});
  EXPECT_EQ(checked.exit_code, 2);
  EXPECT_THAT(checked.err, HasSubstr("[campaigns] token_secret_file is not set"));
}

TEST_F(CampaignCheck, Help) {
  auto help = run({RELAYCTL_BINARY, "campaign", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("check"));
  EXPECT_THAT(help.out, HasSubstr("`campaign send` injects them"));
  EXPECT_THAT(help.out, HasSubstr("{{^first_name}}there{{/first_name}} is its"));
  auto check_help = run({RELAYCTL_BINARY, "campaign", "check", "--help"});
  EXPECT_THAT(check_help.out, HasSubstr("--out"));
  EXPECT_THAT(check_help.out, HasSubstr("Exit 0 when every row renders"));
}

}  // namespace
