// The one-click unsubscribe endpoint (RFC 8058) through `relayctl serve` with [web] listen on plain HTTP:
// a GET with a valid token shows a confirmation page and suppresses nobody; a POST of
// List-Unsubscribe=One-Click (form-urlencoded, or multipart/form-data) suppresses the recipient the token
// names, as `relayctl suppress list --json` shows, and a second POST changes nothing; a forged, altered or
// missing token is 400 and a token naming nobody in the database 404, each counted on /metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/campaign_seed.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;
using ::testing::Not;

nlohmann::json suppressed(const SmtpDaemon& daemon) {
  auto listed = daemon.relayctl({"suppress", "list", "--json"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  return nlohmann::json::parse(listed.out, nullptr, false);
}

bool contains(const nlohmann::json& list, const std::string& address) {
  for (const auto& entry : list)
    if (entry.value("address", "") == address) return true;
  return false;
}

TEST(ServeUnsubscribeOneClick, PostUnsubscribesGetOnlyConfirmsBadTokensAreRefused) {
  unsigned short web = free_tcp_port();
  SmtpDaemon daemon;
  CampaignSeed seed(daemon);
  enable_web(daemon, web, "threads = 2\n");
  unsigned short metrics = enable_metrics_listener(daemon);
  seed.add_campaign("spring-24", "", "bounces@bounce.test", "unsubscribe@unsub.test");
  seed.add_recipient("spring-24", "1", "bob@dest.test");
  seed.add_recipient("spring-24", "2", "carol@dest.test");
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_TRUE(wait_for_port("127.0.0.1", web));

  std::string bob = "/unsubscribe?t=" + seed.token("spring-24", "1");
  // GET: a confirmation page whose button POSTs the one-click form; nothing suppressed.
  auto page = http_request(false, web, "GET", bob);
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_THAT(page.body, HasSubstr("bob@dest.test"));
  EXPECT_THAT(page.body, HasSubstr("<form method=\"post\""));
  EXPECT_THAT(page.body, HasSubstr("name=\"List-Unsubscribe\" value=\"One-Click\""));
  EXPECT_FALSE(contains(suppressed(daemon), "bob@dest.test"));

  // POST (RFC 8058): suppressed with reason unsubscribe; again: still 200, nothing new.
  auto posted = http_request(false, web, "POST", bob, "application/x-www-form-urlencoded",
                             "List-Unsubscribe=One-Click");
  EXPECT_EQ(posted.status, 200) << posted.body;
  EXPECT_THAT(posted.body, HasSubstr("You are unsubscribed"));
  auto list = suppressed(daemon);
  ASSERT_TRUE(contains(list, "bob@dest.test")) << list.dump();
  for (const auto& entry : list)
    if (entry["address"] == "bob@dest.test") {
      EXPECT_EQ(entry["reason"], "unsubscribe");
      EXPECT_EQ(entry["source"], "one-click campaign spring-24");
    }
  auto again = http_request(false, web, "POST", bob, "application/x-www-form-urlencoded",
                            "List-Unsubscribe=One-Click");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_THAT(again.body, HasSubstr("already unsubscribed"));

  // multipart/form-data, as RFC 8058 also allows.
  std::string multipart =
      "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XyZ--\r\n";
  auto carol = http_request(false, web, "POST", "/u?t=" + seed.token("spring-24", "2"),
                            "multipart/form-data; boundary=XyZ", multipart);
  EXPECT_EQ(carol.status, 200) << carol.body;
  EXPECT_TRUE(contains(suppressed(daemon), "carol@dest.test"));

  // A POST without the one-click field unsubscribes nobody.
  seed.add_recipient("spring-24", "3", "dave@dest.test");
  auto no_field = http_request(false, web, "POST", "/unsubscribe?t=" + seed.token("spring-24", "3"),
                               "application/x-www-form-urlencoded", "x=y");
  EXPECT_EQ(no_field.status, 400) << no_field.body;
  EXPECT_FALSE(contains(suppressed(daemon), "dave@dest.test"));

  // Altered, forged (another secret) and missing tokens: 400, with a page that echoes nothing of them.
  std::string altered = seed.token("spring-24", "1");
  altered.back() = altered.back() == 'a' ? 'b' : 'a';
  auto bad = http_request(false, web, "POST", "/unsubscribe?t=" + altered,
                          "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_THAT(bad.body, Not(HasSubstr(altered)));
  auto script = http_request(false, web, "GET", "/unsubscribe?t=%3Cscript%3Ealert(1)%3C/script%3E");
  EXPECT_EQ(script.status, 400);
  EXPECT_THAT(script.body, Not(HasSubstr("<script>")));
  EXPECT_EQ(http_request(false, web, "POST", "/unsubscribe", "application/x-www-form-urlencoded",
                         "List-Unsubscribe=One-Click")
                .status,
            400);
  // A true token for a recipient the database does not have.
  auto unknown = http_request(false, web, "POST", "/unsubscribe?t=" + seed.token("spring-24", "99"),
                              "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click");
  EXPECT_EQ(unknown.status, 404) << unknown.body;

  auto text = get_metrics(metrics);
  EXPECT_THAT(text, HasSubstr("relayctl_unsubscribe_requests_total{result=\"unsubscribed\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("relayctl_unsubscribe_requests_total{result=\"already_unsubscribed\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("relayctl_unsubscribe_requests_total{result=\"confirmation\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("relayctl_unsubscribe_requests_total{result=\"bad_token\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("relayctl_unsubscribe_requests_total{result=\"bad_request\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("relayctl_unsubscribe_requests_total{result=\"unknown_recipient\"} 1\n"));
  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
}

}  // namespace
