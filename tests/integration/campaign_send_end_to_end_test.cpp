// `relayctl campaign send` end to end: a 10,000-recipient campaign (plus one bad row of each kind) injected
// into `relayctl serve`, which signs every message with DKIM and delivers it to Postfix's smtp-sink; every
// recipient arrives exactly once, a sample of 20 verifies with python3-dkim against the key in DNS (nsd),
// and `campaign status --json` adds up: recipients = injected + skipped by reason. `campaign list` shows it.
#include <iostream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/campaign_send.hpp"
#include "tests/support/dkim_tools.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(CampaignSendEndToEnd, TenThousandRecipientsSignedDeliveredAndCounted) {
  constexpr std::size_t kRecipients = 10000;
  NsdServer nsd{{fixture_zone("dkim.test")}};
  SmtpSink sink;
  TempDir keys;
  auto daemon = campaign_daemon(sink.port(), keys);
  ASSERT_TRUE(daemon->start()) << daemon->log();
  auto suppressed = daemon->relayctl({"suppress", "add", "suppressed@dest.test", "--reason", "unsubscribe"});
  ASSERT_EQ(suppressed.exit_code, 0) << suppressed.err;
  CampaignFiles files("big-1", kRecipients, true);

  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string()});
  std::cerr << sent.out;  // the run's rate and the renderer's, for the test log
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  EXPECT_THAT(sent.err, HasSubstr("list.csv:13: skipped: invalid address"));

  auto status = daemon->relayctl({"campaign", "status", "big-1", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["state"], "done");
  EXPECT_EQ(json["recipients"], kRecipients + 4);
  EXPECT_EQ(json["injected"], kRecipients);
  EXPECT_EQ(json["refused"], 0);
  EXPECT_EQ(json["pending"], 0);
  EXPECT_EQ(json["skipped"], 4);
  EXPECT_EQ(
      json["skipped_by_reason"],
      (nlohmann::json{{"invalid_address", 1}, {"duplicate", 1}, {"suppressed", 1}, {"missing_field", 1}}));
  EXPECT_EQ(json["recipients"].get<long>(), json["injected"].get<long>() + json["skipped"].get<long>());
  // The outcomes from the delivery events: every injected recipient is delivered, bounced, deferred or
  // still queued, whichever the recorder has seen by now.
  EXPECT_EQ(json["delivered"].get<long>() + json["bounced"].get<long>() + json["deferred"].get<long>() +
                json["queued"].get<long>(),
            json["injected"].get<long>());

  auto list = daemon->relayctl({"campaign", "list"});
  EXPECT_THAT(list.out, HasSubstr("big-1  done  10004 recipients, 10000 injected"));

  ASSERT_TRUE(daemon->wait_for_empty_queue(120s)) << daemon->log();
  auto received = received_by_recipient(sink);
  EXPECT_EQ(received.size(), kRecipients);
  std::size_t missing = 0, repeated = 0;
  for (std::size_t i = 0; i < kRecipients; ++i) {
    auto n = received[CampaignFiles::address(i)];
    missing += n == 0;
    repeated += n > 1;
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(repeated, 0u);

  auto dumps = sink.messages();
  ASSERT_EQ(dumps.size(), kRecipients);
  for (std::size_t k = 0; k < 20; ++k) {
    auto message = dumped_message(dumps[k * dumps.size() / 20]);
    ASSERT_EQ(message.rfind("DKIM-Signature: ", 0), 0u) << message;
    EXPECT_THAT(message, HasSubstr("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    auto verified = python_dkim_verify(message, nsd.address());
    EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err << message;
  }
}

}  // namespace
