// The campaign file: a good file and its values, then one kind of error per row of a table, each reported
// as c.toml:LINE:COLUMN: KEY: MESSAGE (unknown keys with a suggestion, template errors with their file and
// line), and errors that concern the whole file.
#include "campaigns/campaign/campaign_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mta/config/config_loader.hpp"
#include "tests/unit/campaigns/campaign_fixture.hpp"

namespace campaigns {
namespace {

using test::CampaignDir;
using test::kGoodCampaign;
using test::replace_line;
using ::testing::HasSubstr;

std::string first_error(const CampaignLoad& load) {
  return load.errors.empty() ? "" : mta::config::format_diagnostic(load.source, load.errors.front());
}

TEST(CampaignFile, GoodFile) {
  CampaignDir dir;
  auto load = dir.load(kGoodCampaign);
  ASSERT_TRUE(load.campaign) << first_error(load);
  const Campaign& c = *load.campaign;
  EXPECT_EQ(c.id.str(), "spring-24");
  EXPECT_EQ(c.name, "Spring news");
  EXPECT_EQ(c.from.display_name, "Acme News");
  EXPECT_EQ(c.from.address.str(), "news@acme.example");
  ASSERT_TRUE(c.reply_to);
  EXPECT_EQ(c.reply_to->display_name, "");
  EXPECT_EQ(c.recipients, dir.dir.path() / "list.csv");
  EXPECT_EQ(c.pool, "bulk");
  EXPECT_EQ(c.bounce.local, "bounces");
  EXPECT_EQ(c.bounce.domain, "bounce.acme.example");
  EXPECT_EQ(c.unsubscribe_url, "https://acme.example/u");
  EXPECT_EQ(c.unsubscribe_mailto, "unsubscribe@acme.example");
  EXPECT_EQ(c.feedback_parts, (std::vector<std::string>{"spring-24", "news"}));
  EXPECT_EQ(c.feedback_sender, "acme");
  EXPECT_EQ(c.list_id, "spring.news.acme.example");
  ASSERT_TRUE(c.window);
  EXPECT_EQ(c.window->start_minute, 9 * 60);
  EXPECT_EQ(c.window->end_minute, 18 * 60);
  EXPECT_EQ(c.window->time_zone, "Europe/Berlin");
  EXPECT_EQ(c.rate.per_second, 50);
  EXPECT_EQ(c.rate.per_hour, 0);
  ASSERT_TRUE(c.text && c.html);
  EXPECT_EQ(c.subject.required_fields(), std::vector<std::string>{});  // first_name has a default
  EXPECT_EQ(c.text->required_fields(), (std::vector<std::string>{"offer", "unsubscribe_url"}));
}

TEST(CampaignFile, OptionalPartsDefault) {
  CampaignDir dir;
  std::string toml = kGoodCampaign.substr(0, kGoodCampaign.find("[window]"));
  toml = replace_line(replace_line(toml, 18, ""), 9, "");  // no pool, no feedback parts
  auto load = dir.load(replace_line(toml, 7, ""));         // text only
  ASSERT_TRUE(load.campaign) << first_error(load);
  EXPECT_EQ(load.campaign->pool, "");
  EXPECT_FALSE(load.campaign->html);
  EXPECT_FALSE(load.campaign->window);
  EXPECT_EQ(load.campaign->feedback_parts, std::vector<std::string>{"spring-24"});
}

struct ErrorCase {
  std::string label;
  int line;              // the line of kGoodCampaign replaced
  std::string text;      // by this ("" removes it)
  std::string expected;  // the first diagnostic, formatted, contains this
};

class CampaignFileErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(CampaignFileErrors, ReportedWithLineColumnAndKey) {
  CampaignDir dir;
  dir.dir.write("broken.txt", "Hello\n{{#vip}}VIP\n");
  dir.dir.write("partial.html", "<p>{{> footer}}</p>");
  dir.dir.write("online.txt", "See {{view_online_url}}");
  dir.dir.write("latin1.txt", "Hello\nGr\xfc\xdf" "e\n");
  auto load = dir.load(replace_line(kGoodCampaign, GetParam().line, GetParam().text));
  EXPECT_FALSE(load.campaign);
  ASSERT_FALSE(load.errors.empty());
  std::string all;
  for (const auto& error : load.errors)
    all += mta::config::format_diagnostic(load.source, error) + "\n";
  EXPECT_THAT(all, HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    Table, CampaignFileErrors,
    ::testing::Values(
        ErrorCase{"bad_id", 1, "id = \"Spring.24\"", "c.toml:1:6: id: 'Spring.24' is not a campaign id"},
        ErrorCase{"long_id", 1, "id = \"a-very-long-campaign-name-2024\"", "c.toml:1:6: id: "},
        ErrorCase{"id_not_string", 1, "id = 24", "c.toml:1:6: id: expected a string, got an integer"},
        ErrorCase{"missing_id", 1, "", "missing id (required)"},
        ErrorCase{"unknown_key", 9, "pol = \"bulk\"",
                  "c.toml:9:1: pol: unknown key 'pol'; did you mean 'pool'?"},
        ErrorCase{"unknown_in_table", 15, "mail_to = \"u@acme.example\"",
                  "c.toml:15:1: unsubscribe.mail_to: unknown key 'mail_to'; did you mean 'mailto'?"},
        ErrorCase{"bad_from", 3, "from = \"Acme <news@>\"", "c.toml:3:8: from: 'news@' is not an address"},
        ErrorCase{"from_unbalanced", 3, "from = \"Acme news@acme.example>\"",
                  "c.toml:3:8: from: a '>' without"},
        ErrorCase{"bad_reply_to", 4, "reply_to = \"help\"",
                  "c.toml:4:12: reply_to: 'help' is not an address"},
        ErrorCase{"subject_newline", 5, "subject = \"a\\nb\"", "c.toml:5:11: subject: must be at most 500"},
        ErrorCase{"subject_syntax", 5, "subject = \"Hi {{name\"",
                  "c.toml:5:11: subject: template error: subject:1: a tag opened here is never closed"},
        ErrorCase{"template_missing", 6, "text_template = \"none.txt\"",
                  "c.toml:6:17: text_template: cannot read"},
        ErrorCase{"template_syntax", 6, "text_template = \"broken.txt\"",
                  "broken.txt:2: the section {{#vip}} is never closed with {{/vip}}"},
        ErrorCase{"template_not_utf8", 6, "text_template = \"latin1.txt\"",
                  "latin1.txt:2: not UTF-8 text (octet 9); save the template as UTF-8"},
        ErrorCase{"template_partial", 7, "html_template = \"partial.html\"",
                  "partial.html:1: partials ({{> footer}}) are not supported"},
        ErrorCase{"view_online_unset", 6, "text_template = \"online.txt\"",
                  "online.txt uses view_online_url, but the campaign sets no view_online_url"},
        ErrorCase{"recipients_missing", 8, "recipients = \"nope.csv\"",
                  "c.toml:8:14: recipients: cannot read"},
        ErrorCase{"bad_pool", 9, "pool = \"bulk pool\"", "c.toml:9:8: pool: 'bulk pool' is not a pool name"},
        ErrorCase{"bad_bounce", 10, "bounce_address = \"bounces+x@bounce.acme.example\"",
                  "c.toml:10:18: bounce_address: 'bounces+x@bounce.acme.example' is not a bounce address"},
        ErrorCase{"bad_list_id", 11, "list_id = \"news\"", "c.toml:11:11: list_id: 'news' is not a list id"},
        ErrorCase{"http_unsubscribe", 14, "url = \"http://acme.example/u\"",
                  "c.toml:14:7: unsubscribe.url: unsubscribe url must be an https:// URL"},
        ErrorCase{"url_with_space", 14, "url = \"https://acme.example/u x\"", "must not hold spaces"},
        ErrorCase{"bad_mailto", 15, "mailto = \"unsubscribe\"",
                  "c.toml:15:10: unsubscribe.mailto: 'unsubscribe' is not an unsubscribe mailbox"},
        ErrorCase{"mailto_with_plus", 15, "mailto = \"unsubscribe+x@acme.example\"",
                  "without '+' (the token is added after a '+')"},
        ErrorCase{"too_many_parts", 18, "parts = [\"a\", \"b\", \"c\", \"d\"]",
                  "c.toml:18:9: feedback_id.parts: at most 3"},
        ErrorCase{"bad_part", 18, "parts = [\"a:b\"]",
                  "c.toml:18:10: feedback_id.parts: 'a:b' is not a Feedback-ID part"},
        ErrorCase{"missing_sender", 19, "", "missing feedback_id.sender (required)"},
        ErrorCase{"bad_start", 22, "start = \"9am\"",
                  "c.toml:22:9: window.start: '9am' is not a time of day"},
        ErrorCase{"empty_window", 23, "end = \"09:00\"", "window.end: the window is empty"},
        ErrorCase{"bad_zone", 24, "time_zone = \"Mars/Base\"", "c.toml:24:13: window.time_zone: 'Mars/Base'"},
        ErrorCase{"zone_escape", 24, "time_zone = \"../../etc/passwd\"", "is not a time zone"},
        ErrorCase{"rate_zero", 27, "per_second = 0",
                  "c.toml:27:14: rate.per_second: expected an integer from 1 to 1000000, got 0"},
        ErrorCase{"rate_typo", 27, "per_secnd = 5",
                  "c.toml:27:1: rate.per_secnd: unknown key 'per_secnd'; did you mean "
                  "'per_second'?"},
        ErrorCase{"toml_syntax", 1, "id = \"spring-24", "c.toml:1:"}),
    [](const auto& info) { return info.param.label; });

TEST(CampaignFile, EveryErrorIsReported) {
  CampaignDir dir;
  auto toml = replace_line(replace_line(kGoodCampaign, 9, "pol = \"bulk\""), 1, "id = \"Bad!\"");
  auto load = dir.load(toml);
  EXPECT_EQ(load.errors.size(), 2u);
}

TEST(CampaignFile, NeedsATemplateAndUnsubscribe) {
  CampaignDir dir;
  std::string toml = replace_line(replace_line(kGoodCampaign, 7, ""), 6, "");
  auto load = dir.load(toml);
  ASSERT_FALSE(load.errors.empty());
  EXPECT_THAT(first_error(load), HasSubstr("a campaign needs text_template, html_template or both"));
  toml = kGoodCampaign.substr(0, kGoodCampaign.find("[unsubscribe]")) +
         kGoodCampaign.substr(kGoodCampaign.find("[feedback_id]"));
  load = dir.load(toml);
  ASSERT_FALSE(load.errors.empty());
  EXPECT_THAT(first_error(load), HasSubstr("missing [unsubscribe] with url and mailto"));
}

TEST(CampaignFile, MissingFile) {
  auto load = load_campaign_file("/nonexistent/campaign.toml");
  EXPECT_FALSE(load.campaign);
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_THAT(load.errors[0].message, HasSubstr("cannot read the campaign file"));
}

}  // namespace
}  // namespace campaigns
