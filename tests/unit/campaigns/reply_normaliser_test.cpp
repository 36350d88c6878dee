// campaigns::normalise_reply on real reply texts (Gmail, Outlook, Yahoo, Mimecast, Postfix, Exim): the
// ids, addresses and IPs that differ per message are masked so that equal reasons compare equal, and what
// tells reasons apart (codes, words, URLs) is kept.
#include "campaigns/bounces/report/reply_normaliser.hpp"

#include <gtest/gtest.h>

namespace campaigns {
namespace {

struct Case {
  const char* label;
  const char* reply;
  const char* expected;
};

class Normalise : public ::testing::TestWithParam<Case> {};

TEST_P(Normalise, Masks) {
  EXPECT_EQ(normalise_reply(GetParam().reply), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Replies, Normalise,
    ::testing::Values(
        Case{"gmail_multiline",
             "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 "
             "double-checking the recipient's email address for typos or 550-5.1.1 unnecessary spaces. "
             "For more information, go to 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser "
             "d2e1a72fcca58-7b8a1c2e3f4si1234567b3a.256 - gsmtp",
             "550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking "
             "the "
             "recipient's email address for typos or unnecessary spaces. For more information, go to "
             "https://support.google.com/mail/?p=NoSuchUser <id> - gsmtp"},
        Case{
            "outlook",
            "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). "
            "[BN8NAM12FT011.eop-nam12.prod.protection.outlook.com 2024-05-01T12:00:00.000Z 08DC6A1B2C3D4E5F]",
            "550 5.5.0 Requested action not taken: mailbox unavailable (<id>). [<id> <id> <id>]"},
        Case{"yahoo_ip",
             "421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected volume or "
             "user "
             "complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
             "421 4.7.0 [TSS04] Messages from <ip> temporarily deferred due to unexpected volume or user "
             "complaints - <ip>; see https://postmaster.yahooinc.com/error-codes"},
        Case{"postfix_address",
             "550 5.1.1 <Jane.Doe+x@example.com>: Recipient address rejected: User unknown in virtual "
             "mailbox table",
             "550 5.1.1 <<address>>: Recipient address rejected: User unknown in virtual mailbox table"},
        Case{"mimecast",
             "550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 "
             "[Qh2ZAQVbNHKpqJYcsyHJ0A.uk208]",
             "550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 [<id>]"},
        Case{"ipv6_and_queue_id", "451 4.7.1 Client host [2001:db8::25] blocked; queue id 4VxQ3n2kLbz9sZ",
             "451 4.7.1 Client host [<ip>] blocked; queue id <id>"},
        Case{"blocklist_link",
             "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org; "
             "https://www.spamhaus.org/query/ip/192.0.2.9",
             "554 5.7.1 Service unavailable; Client host [<ip>] blocked using zen.spamhaus.org; "
             "https://www.spamhaus.org/query/ip/<ip>"},
        Case{"key_value", "554 5.7.1 rejected id=AB12CD34EF ip=198.51.100.4",
             "554 5.7.1 rejected id=<id> ip=<ip>"},
        Case{"base64_and_hex",
             "550 message c29tZSBzb21lIHNvbWUgdG9rZW5zIGhlcmU rejected ref deadbeefdeadbeefcafe",
             "550 message <id> rejected ref <id>"},
        Case{"local_diagnostic_without_code", "connect to mx.example.net[192.0.2.1]:25: Connection timed out",
             "connect to mx.example.net[<ip>]:25: Connection timed out"},
        Case{"white_space", "  452   4.2.2\tMailbox   full ", "452 4.2.2 Mailbox full"},
        Case{"keeps_small_numbers", "421 4.7.28 try again in 30 minutes",
             "421 4.7.28 try again in 30 minutes"},
        Case{"empty", "", ""}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(NormaliseReply, DifferentIdsGroupTogether) {
  auto a = normalise_reply(
      "550 5.7.1 Service unavailable, Client host [192.0.2.10] blocked using Spamhaus. "
      "AS(1440) [AM4PEPF00027A6C.eurprd04.prod.outlook.com]");
  auto b = normalise_reply(
      "550 5.7.1 Service unavailable, Client host [198.51.100.99] blocked using Spamhaus. "
      "AS(1440) [DB5PEPF00014B9F.eurprd04.prod.outlook.com]");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, normalise_reply("550 5.1.1 Service unavailable"));
}

TEST(NormaliseReply, LongRepliesAreCutOnACharacterBoundary) {
  std::string reply = "550 5.7.1 ";
  for (int i = 0; i < 100; ++i)
    reply += "blocké ";
  auto out = normalise_reply(reply);
  EXPECT_LE(out.size(), kMaxNormalisedReply + 3);
  EXPECT_TRUE(out.ends_with("…"));
  EXPECT_EQ(out.find("\xC3…"), std::string::npos);
}

}  // namespace
}  // namespace campaigns
