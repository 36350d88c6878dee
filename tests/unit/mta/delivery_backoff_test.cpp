#include <gtest/gtest.h>

#include "mta/delivery/backoff.hpp"

namespace mta::delivery {
namespace {

using namespace std::chrono_literals;

Reply reply(std::string_view wire) {
  ReplyReader reader;
  reader.feed(wire);
  Reply out;
  EXPECT_EQ(reader.next(out), ReplyReader::State::reply) << wire;
  return out;
}

TEST(RateLimitReply, RecognisesProvidersThrottling) {
  for (const char* wire :
       {"421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP\r\n"
        "421 4.7.28 address. To protect our users from spam, mail sent from your IP address has been "
        "temporarily "
        "rate limited.\r\n",
        "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.\r\n",
        "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user "
        "complaints\r\n",
        "421 Too many connections from your IP\r\n",
        "450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional "
        "messages from being delivered. Please resend your message at a later time. (rate limit)\r\n"})
    EXPECT_TRUE(is_rate_limit_reply(reply(wire))) << wire;
}

TEST(RateLimitReply, OtherRepliesAreNot) {
  for (const char* wire : {"450 4.2.2 mailbox full\r\n", "451 4.3.0 temporary local problem\r\n",
                           "550 5.7.1 rate limit exceeded permanently\r\n", "250 2.0.0 ok\r\n",
                           "421 4.3.2 service shutting down\r\n"})
    EXPECT_FALSE(is_rate_limit_reply(reply(wire))) << wire;
}

TEST(DestinationBackoff, SuspendsAndDoublesUpToTheMaximum) {
  DestinationBackoff backoff({.first = 60s, .max = 300s});
  DestinationBackoff::Clock::time_point t{};
  EXPECT_FALSE(backoff.suspended_until("gmail", t));
  EXPECT_EQ(backoff.rate_limited("gmail", t), 60s);
  EXPECT_EQ(backoff.suspended_until("gmail", t + 10s), t + 60s);
  EXPECT_FALSE(backoff.suspended_until("yahoo", t + 10s));
  EXPECT_EQ(backoff.rate_limited("gmail", t + 61s), 120s);
  EXPECT_EQ(backoff.rate_limited("gmail", t + 200s), 240s);
  EXPECT_EQ(backoff.rate_limited("gmail", t + 500s), 300s);
  EXPECT_FALSE(backoff.suspended_until("gmail", t + 801s));
  backoff.succeeded("gmail");
  EXPECT_EQ(backoff.rate_limited("gmail", t + 900s), 60s);
}

}  // namespace
}  // namespace mta::delivery
