// The inbound chain's header-field edits (mta/inbound/message_fields): the walk over folded fields, removal,
// our fields after our own Received, and strip_received keeping only ours.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mta/inbound/message_fields.hpp"

namespace mta::inbound {
namespace {

const std::string kMessage =
    "Received: from client.example by mx.test; Sun, 6 Dec 2026 12:00:00 +0000\r\n"
    "Received: from laptop.internal (10.0.0.7)\r\n\tby gw.internal; Sun, 6 Dec 2026 11:59:59 +0000\r\n"
    "Subject: hello\r\n"
    "received: from workstation.internal by laptop.internal; Sun, 6 Dec 2026 11:59:58 +0000\r\n"
    "\r\n"
    "Received: in the body, not a field\r\n";

TEST(InboundMessageFields, WalksFoldedFieldsUpToTheBody) {
  auto fields = header_fields(kMessage);
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[1].name, "Received");
  EXPECT_EQ(kMessage.substr(fields[1].begin, fields[1].end - fields[1].begin),
            "Received: from laptop.internal (10.0.0.7)\r\n\tby gw.internal; Sun, 6 Dec 2026 11:59:59 +0000\r\n");
  EXPECT_EQ(fields[3].name, "received");
}

TEST(InboundMessageFields, StripReceivedKeepsOursAndTheBody) {
  EXPECT_EQ(strip_earlier_received(kMessage),
            "Received: from client.example by mx.test; Sun, 6 Dec 2026 12:00:00 +0000\r\n"
            "Subject: hello\r\n"
            "\r\n"
            "Received: in the body, not a field\r\n");
}

TEST(InboundMessageFields, OurFieldsGoAfterOurReceived) {
  std::string message = kMessage;
  insert_after_first_received(message, "Authentication-Results: mx.test; none\r\n");
  EXPECT_THAT(message, ::testing::StartsWith("Received: from client.example by mx.test; Sun, 6 Dec 2026 "
                                             "12:00:00 +0000\r\nAuthentication-Results: mx.test; none\r\n"
                                             "Received: from laptop.internal"));
  std::string bare = "Subject: x\r\n\r\nbody\r\n";
  insert_after_first_received(bare, "X-A: 1\r\n");
  EXPECT_EQ(bare, "X-A: 1\r\nSubject: x\r\n\r\nbody\r\n");
}

TEST(InboundMessageFields, MalformedLinesAreKeptNotDropped) {
  std::string odd = "no colon here\r\nSubject: x\r\n\r\nbody";
  EXPECT_EQ(remove_fields(odd, [](const HeaderField& f) { return f.name == "Subject"; }),
            "no colon here\r\n\r\nbody");
  EXPECT_EQ(remove_fields(odd, [](const HeaderField&) { return false; }), odd);
}

}  // namespace
}  // namespace mta::inbound
