// Never an open relay: through the real `relayctl serve`, a client that is neither trusted
// ([server] trusted_networks = [], so not even loopback is) nor authenticated tries every known way of
// getting mail for a foreign domain through an inbound listener whose only relay domain is
// customer.example — plain, percent hack, bang path, source route, quoted local parts, trailing dots,
// upper case, IDN (A-labels and UTF-8 with SMTPUTF8), a subdomain, address literals — and each gets a 5xx
// with the reply asserted. The relay listener refuses the same; submission wants AUTH first. Peers: a
// behaviour sink as customer.example's backend and another behind a "*" route for everything else: only
// the backend ever receives mail, and only the customer's; nothing is left queued.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/behaviour_sink.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Attempt {
  std::string label;
  std::string rcpt;  // inside RCPT TO:<...>
  bool smtputf8 = false;
  std::string expected;  // the start of the reply
};

const std::string kRelayDenied = "554 5.7.1 Relay access denied\r\n";
const std::string kRouting = "554 5.7.1 Relay access denied: routing in the local part (%, ! or @)";
const std::string kBadSyntax = "553 5.1.3 Bad recipient address syntax";

const std::vector<Attempt> kForeign = {
    {"plain", "user@foreign.example", false, kRelayDenied},
    {"quoted plain", "\"user\"@foreign.example", false, kRelayDenied},
    {"percent hack", "user%foreign.example@customer.example", false, kRouting},
    {"percent hack upper case", "USER%FOREIGN.EXAMPLE@CUSTOMER.EXAMPLE", false, kRouting},
    {"percent-encoded at", "user%40foreign.example@customer.example", false, kRouting},
    {"bang path", "foreign.example!user@customer.example", false, kRouting},
    {"source route", "@customer.example:user@foreign.example", false, kRelayDenied},
    {"source route of two hops", "@customer.example,@mx.test:user@foreign.example", false, kRelayDenied},
    {"quoted at", "\"user@foreign.example\"@customer.example", false, kRouting},
    {"quoted percent", "\"user%foreign.example\"@customer.example", false, kRouting},
    {"quoted escaped at", "\"user\\@foreign.example\"@customer.example", false, kRouting},
    {"quoted escaped quote", "\"user\\\"@foreign.example\"@customer.example", false, kRouting},
    {"two ats", "user@customer.example@foreign.example", false, kBadSyntax},
    {"percent in the domain", "user@foreign.example%customer.example", false, kBadSyntax},
    {"trailing dot, foreign", "user@foreign.example.", false, kBadSyntax},
    {"trailing dot, customer", "user@customer.example.", false, kBadSyntax},
    {"two trailing dots", "user@customer.example..", false, kBadSyntax},
    {"upper case foreign", "user@FOREIGN.EXAMPLE", false, kRelayDenied},
    {"IDN A-label", "user@xn--bcher-kva.example", false, kRelayDenied},
    {"IDN UTF-8 with SMTPUTF8",
     "user@b\xC3\xBC"
     "cher.example",
     true, kRelayDenied},
    {"IDN UTF-8 without SMTPUTF8",
     "user@b\xC3\xBC"
     "cher.example",
     false, "553 5.6.7"},
    {"look-alike of the relay domain (Cyrillic e)", "user@customer.exampl\xD0\xB5", true, kRelayDenied},
    {"subdomain of the relay domain", "user@sub.customer.example", false, kRelayDenied},
    {"relay domain as a suffix", "user@evilcustomer.example", false, kRelayDenied},
    {"address literal", "user@[127.0.0.1]", false, kRelayDenied},
    {"IPv6 address literal", "user@[IPv6:::1]", false, kRelayDenied},
    {"postmaster elsewhere", "postmaster@foreign.example", false, kRelayDenied},
};

// Loopback is trusted by default: here nobody is. Anything not for the customer would go to `elsewhere`.
DaemonOptions untrusted_with_route_to(unsigned short elsewhere_port) {
  DaemonOptions options;
  options.extra_server = "trusted_networks = []\n";
  options.extra = route_all_to(elsewhere_port);
  return options;
}

class OpenRelay : public ::testing::Test {
 protected:
  void SetUp() override {
    // The only relay domain, with its backend and without greylisting (set before start: the constructor's `users add` checks the
    // file it wrote).
    ASSERT_TRUE(daemon_.edit_config("relay_domains = [\"local.test\"]\n",
                                    "relay_domains = [\"customer.example\"]\n"
                                    "[[inbound.domain]]\nname = \"customer.example\"\ngreylist = false\n"
                                    "[[inbound.backend]]\n"
                                    "domain = \"customer.example\"\nnext_hop = \"127.0.0.1:" +
                                        std::to_string(backend_.port()) + "\"\n"));
    ASSERT_TRUE(daemon_.start()) << daemon_.log();
  }

  // A session up to MAIL FROM on `port`; the test sends the RCPTs.
  void begin(SmtpClient& client, unsigned short port, bool smtputf8 = false) {
    ASSERT_TRUE(client.connect(port));
    ASSERT_THAT(client.reply(), StartsWith("220 "));
    ASSERT_THAT(client.command("EHLO sender.example"), StartsWith("250"));
    ASSERT_THAT(
        client.command(std::string("MAIL FROM:<someone@sender.example>") + (smtputf8 ? " SMTPUTF8" : "")),
        StartsWith("250 2.1.0"));
  }

  // Every foreign attempt on `port`, each in its own session (so that the error limit never ends one
  // early): refused as expected, and the transaction has no recipient.
  void expect_all_refused(unsigned short port) {
    for (const auto& attempt : kForeign) {
      SmtpClient client;
      begin(client, port, attempt.smtputf8);
      EXPECT_THAT(client.command("RCPT TO:<" + attempt.rcpt + ">"), StartsWith(attempt.expected))
          << attempt.label << ": <" << attempt.rcpt << "> on port " << port;
      EXPECT_THAT(client.command("DATA"), StartsWith("503 5.5.1")) << attempt.label;
      client.command("QUIT");
    }
  }

  void expect_nothing_went_anywhere() {
    EXPECT_TRUE(daemon_.queued_ids().empty());
    EXPECT_TRUE(backend_.messages().empty());
    EXPECT_TRUE(elsewhere_.messages().empty());
  }

  BehaviourSink backend_, elsewhere_;
  SmtpDaemon daemon_{untrusted_with_route_to(elsewhere_.port())};
};

TEST_F(OpenRelay, EveryForeignAddressIsRefusedOnTheInboundListener) {
  expect_all_refused(daemon_.inbound_port());
  expect_nothing_went_anywhere();
}

TEST_F(OpenRelay, EveryForeignAddressIsRefusedOnTheRelayListener) {
  expect_all_refused(daemon_.relay_port());
  expect_nothing_went_anywhere();
}

// Submission takes nothing without AUTH, and offers no AUTH in plain text to this client.
TEST_F(OpenRelay, SubmissionWantsAuthenticationFirst) {
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon_.submission_port()));
  ASSERT_THAT(client.reply(), StartsWith("220 "));
  auto ehlo = client.command("EHLO sender.example");
  EXPECT_THAT(ehlo, StartsWith("250"));
  EXPECT_THAT(ehlo, ::testing::Not(HasSubstr("AUTH")));
  EXPECT_THAT(client.command("MAIL FROM:<someone@sender.example>"), StartsWith("530 5.7.0"));
  EXPECT_THAT(client.command("RCPT TO:<user@foreign.example>"), StartsWith("503 5.5.1"));
  EXPECT_THAT(client.command("RCPT TO:<user@customer.example>"), StartsWith("503 5.5.1"));
  EXPECT_THAT(client.command("DATA"), StartsWith("503 5.5.1"));
  expect_nothing_went_anywhere();
}

// The customer's own addresses, in any case, and postmaster (RFC 5321 §4.5.1: <Postmaster> with no
// domain must be accepted) are taken and go to the backend only, beside refused foreign ones in the
// same transaction.
TEST_F(OpenRelay, OnlyTheCustomersMailReachesTheBackend) {
  SmtpClient client;
  begin(client, daemon_.inbound_port());
  EXPECT_THAT(client.command("RCPT TO:<user@foreign.example>"), StartsWith(kRelayDenied));
  EXPECT_THAT(client.command("RCPT TO:<user@customer.example>"), StartsWith("250 2.1.5"));
  EXPECT_THAT(client.command("RCPT TO:<user%foreign.example@customer.example>"), StartsWith(kRouting));
  EXPECT_THAT(client.command("RCPT TO:<other@CUSTOMER.EXAMPLE>"), StartsWith("250 2.1.5"));
  EXPECT_THAT(client.command("RCPT TO:<Postmaster>"), StartsWith("250 2.1.5"));
  EXPECT_THAT(client.command("RCPT TO:<user@[127.0.0.1]>"), StartsWith(kRelayDenied));
  ASSERT_THAT(client.command("DATA"), StartsWith("354"));
  ASSERT_THAT(client.command("Subject: for the customer\r\n\r\nhello\r\n."), StartsWith("250 2.0.0"));
  client.command("QUIT");
  ASSERT_TRUE(eventually([&] { return !backend_.messages().empty(); })) << daemon_.log();
  ASSERT_TRUE(daemon_.wait_for_empty_queue(20s)) << daemon_.log();
  auto messages = backend_.messages();
  ASSERT_EQ(messages.size(), 1u);
  auto recipients = messages[0].recipients;
  std::sort(recipients.begin(), recipients.end());
  EXPECT_EQ(recipients, (std::vector<std::string>{"other@CUSTOMER.EXAMPLE", "postmaster@customer.example",
                                                  "user@customer.example"}));
  EXPECT_THAT(messages[0].data, HasSubstr("Subject: for the customer"));
  EXPECT_TRUE(elsewhere_.messages().empty());
  for (const auto& line : daemon_.accounting()) {
    EXPECT_EQ(line["destination"], "backend:customer.example") << line.dump();
    EXPECT_EQ(line["mx_host"], "127.0.0.1:" + std::to_string(backend_.port())) << line.dump();
  }
}

}  // namespace
