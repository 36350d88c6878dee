// The one-click unsubscribe endpoint over HTTPS: [web] tls = true serves it with [server.tls]'s
// certificate (here the self-signed pair relayctl makes in the spool), and a one-click POST through it
// suppresses the recipient; plain HTTP to the same port is not answered as a page.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/campaign_seed.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

TEST(ServeUnsubscribeTls, OneClickPostOverHttpsWithTheServerCertificate) {
  unsigned short web = free_tcp_port();
  SmtpDaemon daemon;
  CampaignSeed seed(daemon);
  enable_web(daemon, web, "tls = true\n");
  seed.add_campaign("autumn", "", "bounces@bounce.test", "unsubscribe@unsub.test");
  seed.add_recipient("autumn", "1", "erin@dest.test");
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_TRUE(wait_for_port("127.0.0.1", web));

  auto posted = http_request(true, web, "POST", "/unsubscribe?t=" + seed.token("autumn", "1"),
                             "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click");
  EXPECT_EQ(posted.status, 200) << posted.body;
  EXPECT_THAT(daemon.relayctl({"suppress", "list"}).out, HasSubstr("erin@dest.test"));
  EXPECT_NE(http_request(false, web, "GET", "/unsubscribe?t=" + seed.token("autumn", "1")).status, 200);
  EXPECT_EQ(daemon.stop(), 0) << daemon.log();
}

}  // namespace
