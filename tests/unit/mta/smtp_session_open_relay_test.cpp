// The session never relays for a client that is neither trusted nor authenticated: every known way of
// naming a foreign domain at RCPT is refused on the inbound and relay listeners (the same table as
// tests/integration/serve_open_relay_test.cpp, without sockets), and <Postmaster> with no domain is taken
// for the first relay domain's postmaster instead of being left without a domain to route by.
#include <gtest/gtest.h>

#include "mta/smtp/server_session.hpp"

namespace {

using namespace mta::smtp;
using mta::config::ListenerKind;

const ClientInfo kStranger{"192.0.2.7", false, false, false, "", {}};
const ClientInfo kTrusted{"127.0.0.1", true, true, false, "", {}};

SessionConfig config_for(ListenerKind kind,
                         std::vector<std::string> relay_domains = {"customer.example", "other.example"}) {
  SessionConfig config;
  config.kind = kind;
  config.hostname = "mx.test";
  config.relay_domains = std::move(relay_domains);
  config.now = [] { return std::int64_t{1'800'000'000}; };
  return config;
}

struct Attempt {
  std::string rcpt;
  bool smtputf8;
  std::string reply;  // the whole reply
};

const std::string kDenied = "554 5.7.1 Relay access denied\r\n";
const std::string kRouting =
    "554 5.7.1 Relay access denied: routing in the local part (%, ! or @) is not accepted\r\n";
const std::string kSyntax = "553 5.1.3 Bad recipient address syntax\r\n";

class ForeignRecipient : public ::testing::TestWithParam<std::tuple<ListenerKind, Attempt>> {};

TEST_P(ForeignRecipient, IsRefused) {
  auto [kind, attempt] = GetParam();
  auto config = config_for(kind);
  ServerSession session(config, kStranger);
  session.on_line({"EHLO c.test", false});
  ASSERT_EQ(
      session.on_line({attempt.smtputf8 ? "MAIL FROM:<a@b.test> SMTPUTF8" : "MAIL FROM:<a@b.test>", false})
          .reply->code,
      250);
  auto step = session.on_line({"RCPT TO:<" + attempt.rcpt + ">", false});
  ASSERT_TRUE(step.reply);
  EXPECT_EQ(step.reply->format(), attempt.reply) << attempt.rcpt;
  EXPECT_TRUE(session.transaction().recipients.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, ForeignRecipient,
    ::testing::Combine(
        ::testing::Values(ListenerKind::inbound, ListenerKind::relay),
        ::testing::Values(Attempt{"user@foreign.example", false, kDenied},
                          Attempt{"user%foreign.example@customer.example", false, kRouting},
                          Attempt{"foreign.example!user@customer.example", false, kRouting},
                          Attempt{"@customer.example:user@foreign.example", false, kDenied},
                          Attempt{"\"user@foreign.example\"@customer.example", false, kRouting},
                          Attempt{"\"user%foreign.example\"@customer.example", false, kRouting},
                          Attempt{"\"user\\@foreign.example\"@customer.example", false, kRouting},
                          Attempt{"user@customer.example@foreign.example", false, kSyntax},
                          Attempt{"user@foreign.example.", false, kSyntax},
                          Attempt{"user@customer.example.", false, kSyntax},
                          Attempt{"user@FOREIGN.EXAMPLE", false, kDenied},
                          Attempt{"user@xn--bcher-kva.example", false, kDenied},
                          Attempt{"user@b\xC3\xBC"
                                  "cher.example",
                                  true, kDenied},
                          Attempt{"user@sub.customer.example", false, kDenied},
                          Attempt{"user@[127.0.0.1]", false, kDenied},
                          Attempt{"postmaster@foreign.example", false, kDenied})));

std::vector<std::string> accepted(ServerSession& session, const std::vector<std::string>& rcpts) {
  session.on_line({"EHLO c.test", false});
  session.on_line({"MAIL FROM:<a@b.test>", false});
  for (const auto& rcpt : rcpts) {
    auto step = session.on_line({"RCPT TO:<" + rcpt + ">", false});
    if (step.next == Next::check_recipient) step = session.on_recipient_checked(std::nullopt);
    if (!step.reply) { ADD_FAILURE() << rcpt << ": no reply"; continue; }
    EXPECT_EQ(step.reply->code, 250) << rcpt << ": " << step.reply->format();
  }
  return session.transaction().recipients;
}

TEST(OpenRelay, TheRelayDomainInAnyCaseIsAccepted) {
  auto config = config_for(ListenerKind::inbound);
  ServerSession session(config, kStranger);
  EXPECT_EQ(accepted(session, {"user@CUSTOMER.EXAMPLE", "User@Other.Example"}),
            (std::vector<std::string>{"user@CUSTOMER.EXAMPLE", "User@Other.Example"}));
}

// RFC 5321 §4.5.1: <Postmaster> must be accepted; stored bare, it would be routed by the MX of an empty
// domain (the "*" route, a smart host: elsewhere). It is the first relay domain's postmaster.
TEST(OpenRelay, BarePostmasterIsTheFirstRelayDomainsPostmaster) {
  for (auto kind : {ListenerKind::inbound, ListenerKind::relay}) {
    auto config = config_for(kind);
    config.inbound_policy = kind == ListenerKind::inbound;
    ServerSession session(config, kStranger);
    session.on_line({"EHLO c.test", false});
    session.on_line({"MAIL FROM:<a@b.test>", false});
    for (const char* rcpt : {"Postmaster", "POSTMASTER"}) {
      auto step = session.on_line({std::string("RCPT TO:<") + rcpt + ">", false});
      if (kind == ListenerKind::inbound) {  // the inbound chain checks the address that will be stored
        ASSERT_EQ(step.next, Next::check_recipient);
        EXPECT_EQ(session.pending_recipient()->address, "postmaster@customer.example");
        step = session.on_recipient_checked(std::nullopt);
      }
      EXPECT_EQ(step.reply->code, 250);
    }
    EXPECT_EQ(session.transaction().recipients,
              (std::vector<std::string>{"postmaster@customer.example", "postmaster@customer.example"}));
  }
}

TEST(OpenRelay, BarePostmasterWithoutARelayDomainIsRefused) {
  auto config = config_for(ListenerKind::relay, {});
  ServerSession session(config, kTrusted);  // even from a client that may relay
  session.on_line({"EHLO c.test", false});
  session.on_line({"MAIL FROM:<a@b.test>", false});
  EXPECT_EQ(session.on_line({"RCPT TO:<postmaster>", false}).reply->format(),
            "550 5.1.1 No postmaster mailbox here: name its domain\r\n");
  EXPECT_EQ(session.on_line({"RCPT TO:<postmaster@far.test>", false}).reply->code, 250);
  EXPECT_EQ(session.transaction().recipients, std::vector<std::string>{"postmaster@far.test"});
}

}  // namespace
