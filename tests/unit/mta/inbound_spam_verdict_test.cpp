// Spam levels, actions and the message edits of mta/inbound/scan/spam_verdict; the scanners' reply parsers.
#include <gtest/gtest.h>

#include "mta/inbound/scan/clamd_client.hpp"
#include "mta/inbound/scan/rspamd_client.hpp"
#include "mta/inbound/scan/spam_verdict.hpp"

namespace mta::inbound::scan {
namespace {

using config::SpamAction;
using config::SpamPolicy;

struct LevelCase {
  double score;
  SpamLevel level;
};

class LevelFor : public ::testing::TestWithParam<LevelCase> {};

TEST_P(LevelFor, HighestThresholdReached) {
  SpamPolicy policy;  // low 5, med 8, high 15
  EXPECT_EQ(level_for(policy, GetParam().score), GetParam().level) << GetParam().score;
}

INSTANTIATE_TEST_SUITE_P(Defaults, LevelFor,
                         ::testing::Values(LevelCase{-3.0, SpamLevel::none}, LevelCase{0.0, SpamLevel::none},
                                           LevelCase{4.99, SpamLevel::none}, LevelCase{5.0, SpamLevel::low},
                                           LevelCase{7.9, SpamLevel::low}, LevelCase{8.0, SpamLevel::med},
                                           LevelCase{14.99, SpamLevel::med}, LevelCase{15.0, SpamLevel::high},
                                           LevelCase{1000.0, SpamLevel::high}));

TEST(SpamVerdict, ActionsAndTagsPerLevel) {
  SpamPolicy policy;
  policy.med.action = SpamAction::discard;
  EXPECT_EQ(action_for(policy, SpamLevel::none), SpamAction::none);
  EXPECT_EQ(action_for(policy, SpamLevel::low), SpamAction::headers);
  EXPECT_EQ(action_for(policy, SpamLevel::med), SpamAction::discard);
  EXPECT_EQ(action_for(policy, SpamLevel::high), SpamAction::reject);
  EXPECT_EQ(tag_for(policy, SpamLevel::none), "");
  EXPECT_EQ(tag_for(policy, SpamLevel::high), "[SPAM: high] ");
  EXPECT_EQ(to_string(SpamLevel::med), "med");
}

TEST(SpamVerdict, EqualThresholdsGiveTheHighestLevel) {
  SpamPolicy policy;
  policy.low.score = policy.med.score = policy.high.score = 6;
  EXPECT_EQ(level_for(policy, 6), SpamLevel::high);
  EXPECT_EQ(level_for(policy, 5.9), SpamLevel::none);
}

TEST(SpamVerdict, SubjectTaggedBeforeItsValue) {
  std::string message = "From: a@example.com\r\nSubject: Hello there\r\n\r\nbody\r\n";
  EXPECT_EQ(tag_subject(message, "[SPAM: med] "),
            "From: a@example.com\r\nSubject: [SPAM: med] Hello there\r\n\r\nbody\r\n");
}

TEST(SpamVerdict, SubjectWithoutBlankAfterColonAndTagWithoutTrailingBlank) {
  EXPECT_EQ(tag_subject("subject:Hi\r\n\r\nx", "[spam]"), "subject: [spam] Hi\r\n\r\nx");
}

TEST(SpamVerdict, FoldedEncodedSubjectKeepsItsFolding) {
  std::string message =
      "Subject: =?UTF-8?B?SGVsbG8gd29ybGQ=?=\r\n =?UTF-8?B?IGFnYWlu?=\r\nTo: b@example.org\r\n\r\nbody\r\n";
  EXPECT_EQ(
      tag_subject(message, "[SPAM: low] "),
      "Subject: [SPAM: low] =?UTF-8?B?SGVsbG8gd29ybGQ=?=\r\n =?UTF-8?B?IGFnYWlu?=\r\nTo: b@example.org\r\n"
      "\r\nbody\r\n");
}

TEST(SpamVerdict, SubjectStartingOnAContinuationLine) {
  std::string message = "Subject:\r\n =?UTF-8?Q?caf=C3=A9?=\r\n\r\nbody";
  EXPECT_EQ(tag_subject(message, "[SPAM: high] "),
            "Subject: [SPAM: high]\r\n =?UTF-8?Q?caf=C3=A9?=\r\n\r\nbody");
}

TEST(SpamVerdict, OnlyTheFirstSubjectIsTagged) {
  EXPECT_EQ(tag_subject("Subject: one\r\nSubject: two\r\n\r\n", "[S] "),
            "Subject: [S] one\r\nSubject: two\r\n\r\n");
}

TEST(SpamVerdict, SubjectAddedWhenThereIsNone) {
  EXPECT_EQ(tag_subject("From: a@example.com\r\n\r\nSubject: in the body\r\n", "[SPAM: med] "),
            "From: a@example.com\r\nSubject: [SPAM: med]\r\n\r\nSubject: in the body\r\n");
  EXPECT_EQ(tag_subject("From: a@example.com", "[X] "), "From: a@example.com\r\nSubject: [X]\r\n");
  EXPECT_EQ(tag_subject("\r\nbody", "[X] "), "Subject: [X]\r\n\r\nbody");
}

TEST(SpamVerdict, EmptyTagChangesNothing) {
  EXPECT_EQ(tag_subject("Subject: hi\r\n\r\n", " "), "Subject: hi\r\n\r\n");
}

TEST(SpamVerdict, ForgedSpamHeadersRemovedWithTheirContinuations) {
  std::string message =
      "Received: from x\r\n by y\r\nX-Spam-Status: No, score=-5\r\n tests=NONE\r\nx-spam-flag: NO\r\n"
      "X-Spam: No\r\nX-Spamming-Tool: kept\r\nX-Spam-Level:\r\nSubject: s\r\n\r\nX-Spam-Score: 0 (body)\r\n";
  EXPECT_EQ(
      remove_spam_headers(message),
      "Received: from x\r\n by y\r\nX-Spamming-Tool: kept\r\nSubject: s\r\n\r\nX-Spam-Score: 0 (body)\r\n");
}

TEST(SpamVerdict, HeadersActionAddsLevelAndScore) {
  SpamPolicy policy;
  std::string message = "X-Spam-Score: -100\r\nSubject: hi\r\n\r\nbody\r\n";
  EXPECT_EQ(mark_scanned(message, policy, 6.5),
            "X-Spam-Level: low\r\nX-Spam-Score: 6.50\r\nSubject: hi\r\n\r\nbody\r\n");
}

TEST(SpamVerdict, TagActionAddsHeadersAndTagsTheSubject) {
  SpamPolicy policy;
  EXPECT_EQ(mark_scanned("Subject: hi\r\n\r\nbody\r\n", policy, 9.25),
            "X-Spam-Level: med\r\nX-Spam-Score: 9.25\r\nSubject: [SPAM: med] hi\r\n\r\nbody\r\n");
}

TEST(SpamVerdict, NoActionOnlyRemovesForgedHeaders) {
  SpamPolicy policy;
  EXPECT_EQ(mark_scanned("X-Spam-Level: high\r\nSubject: hi\r\n\r\nb", policy, 1.0), "Subject: hi\r\n\r\nb");
  policy.low.action = SpamAction::none;
  EXPECT_EQ(mark_scanned("Subject: hi\r\n\r\nb", policy, 6.0), "Subject: hi\r\n\r\nb");
}

TEST(SpamVerdict, UnscannedHeader) {
  EXPECT_EQ(mark_unscanned("X-Spam-Status: Yes\r\nSubject: hi\r\n\r\nb"),
            "X-Spam-Status: unscanned (scanner unavailable)\r\nSubject: hi\r\n\r\nb");
}

TEST(Checkv2Reply, ScoreActionAndSymbols) {
  auto scan =
      parse_checkv2_reply(R"({"is_skipped":false,"score":6.5,"required_score":15.0,"action":"add header",)"
                          R"("symbols":{"MIME_GOOD":{"score":-0.1},"DATE_IN_PAST":{"score":1.0}}})");
  ASSERT_TRUE(scan.ok) << scan.error;
  EXPECT_DOUBLE_EQ(scan.score, 6.5);
  EXPECT_DOUBLE_EQ(scan.required_score, 15.0);
  EXPECT_EQ(scan.action, "add header");
  EXPECT_EQ(scan.symbols, (std::vector<std::string>{"DATE_IN_PAST", "MIME_GOOD"}));
}

TEST(Checkv2Reply, GarbageAndIncompleteRepliesAreErrors) {
  for (std::string_view body :
       {"", "pong\r\n", "[1,2]", R"({"score":"high","required_score":1,"action":"x"})",
        R"({"score":1,"action":"no action"})", "{\"score\":1e999"}) {
    auto scan = parse_checkv2_reply(body);
    EXPECT_FALSE(scan.ok) << body;
    EXPECT_FALSE(scan.error.empty()) << body;
  }
  auto overloaded = parse_checkv2_reply(R"({"error":"task timeout"})");
  EXPECT_FALSE(overloaded.ok);
  EXPECT_NE(overloaded.error.find("task timeout"), std::string::npos);
}

TEST(InstreamReply, CleanInfectedAndErrors) {
  EXPECT_EQ(parse_instream_reply("stream: OK").status, VirusScan::Status::clean);
  auto infected = parse_instream_reply("stream: Eicar-Test-Signature.UNOFFICIAL FOUND");
  EXPECT_EQ(infected.status, VirusScan::Status::infected);
  EXPECT_EQ(infected.signature, "Eicar-Test-Signature.UNOFFICIAL");
  auto limit = parse_instream_reply("INSTREAM size limit exceeded. ERROR");
  EXPECT_EQ(limit.status, VirusScan::Status::too_large);
  EXPECT_NE(limit.error.find("size limit"), std::string::npos);
  for (std::string_view reply :
       {"", "stream: ", "UNKNOWN COMMAND", "stream: FOUND", "HTTP/1.1 400 Bad Request"})
    EXPECT_EQ(parse_instream_reply(reply).status, VirusScan::Status::error) << reply;
}

}  // namespace
}  // namespace mta::inbound::scan
