// The delivery client against a real SMTP server (Postfix's smtp-sink) on loopback: transactions on one
// connection, per-recipient results, pipelining on and off, 5xx/4xx refusals, a server that hangs up or
// stalls, 8-bit mail to a server without 8BITMIME, and a refused connection.
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mta/delivery/smtp_client.hpp"
#include "tests/support/behaviour_sink.hpp"
#include "tests/support/smtp_sink.hpp"

namespace mta::delivery {
namespace {

using relay::test::SmtpSink;
using ::testing::HasSubstr;

const std::string kMessage =
    "From: sender@example.com\r\nTo: a@example.org\r\nSubject: test\r\n\r\n.leading dot\r\nline two\r\n";

struct Outcome {
  std::optional<ClientError> open_error;
  std::vector<TransactionResult> results;
  Capabilities caps;
};

// Opens one connection to port and sends each message on it.
Outcome deliver(unsigned short port, const std::vector<Message>& messages, ClientOptions options = {}) {
  asio::io_context io;
  auto tls = make_client_tls_context();
  Outcome outcome;
  auto task = [&]() -> asio::awaitable<void> {
    auto [connection, error] = co_await SmtpConnection::open(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), options, tls);
    if (error) {
      outcome.open_error = error;
      co_return;
    }
    outcome.caps = connection->capabilities();
    for (const auto& m : messages)
      outcome.results.push_back(co_await connection->send(m));
    co_await connection->quit();
  };
  auto done = asio::co_spawn(io, task(), asio::use_future);
  io.run();
  done.get();
  return outcome;
}

Message message(std::vector<std::string> recipients, std::string_view data = kMessage) {
  Message m;
  m.sender = "sender@example.com";
  m.recipients = std::move(recipients);
  m.data = data;
  return m;
}

TEST(DeliveryClient, SeveralMessagesOnOneConnection) {
  SmtpSink sink;
  auto outcome =
      deliver(sink.port(), {message({"a@example.org", "b@example.org"}), message({"c@example.org"})});
  ASSERT_FALSE(outcome.open_error) << outcome.open_error->what;
  EXPECT_TRUE(outcome.caps.pipelining);
  ASSERT_EQ(outcome.results.size(), 2u);
  ASSERT_EQ(outcome.results[0].recipients.size(), 2u);
  for (const auto& result : outcome.results)
    for (const auto& reply : result.recipients)
      EXPECT_EQ(reply.code, 250) << reply.text();
  auto received = sink.messages();
  ASSERT_EQ(received.size(), 2u);
  std::string both = received[0] + received[1];
  EXPECT_THAT(both, HasSubstr("X-Rcpt-Args: <a@example.org>\nX-Rcpt-Args: <b@example.org>\n"));
  EXPECT_THAT(both, HasSubstr("X-Rcpt-Args: <c@example.org>\n"));
  EXPECT_THAT(received[0], HasSubstr("\n\n.leading dot\nline two\n"));  // dot-stuffed on the wire, restored
}

TEST(DeliveryClient, WithoutPipeliningOneCommandAtATime) {
  SmtpSink sink({"-p"});
  auto outcome = deliver(sink.port(), {message({"a@example.org"}), message({"b@example.org"})});
  ASSERT_FALSE(outcome.open_error);
  EXPECT_FALSE(outcome.caps.pipelining);
  EXPECT_EQ(outcome.results[1].recipients[0].code, 250);
  EXPECT_EQ(sink.messages().size(), 2u);
}

TEST(DeliveryClient, RefusedRecipientsGetTheirOwnReply) {
  for (bool pipelining : {true, false}) {
    SmtpSink sink(pipelining ? std::vector<std::string>{"-f", "RCPT"}
                             : std::vector<std::string>{"-p", "-f", "RCPT"});
    auto outcome =
        deliver(sink.port(), {message({"a@example.org", "b@example.org"}), message({"c@example.org"})});
    ASSERT_FALSE(outcome.open_error);
    for (const auto& result : outcome.results)
      for (const auto& reply : result.recipients) {
        EXPECT_TRUE(reply.permanent()) << reply.text();
        EXPECT_EQ(reply.enhanced, (EnhancedCode{5, 3, 0}));
      }
    for (const auto& dump : sink.messages())
      EXPECT_THAT(dump, ::testing::Not(HasSubstr("Subject: test")));  // no DATA
  }
}

TEST(DeliveryClient, TemporaryRefusalOfMail) {
  SmtpSink sink({"-r", "MAIL"});
  auto outcome = deliver(sink.port(), {message({"a@example.org", "b@example.org"})});
  ASSERT_FALSE(outcome.open_error);
  for (const auto& reply : outcome.results[0].recipients)
    EXPECT_TRUE(reply.transient()) << reply.text();
}

TEST(DeliveryClient, ServerHangingUpAtDataDefersAndBreaksTheConnection) {
  SmtpSink sink({"-q", "DATA"});
  auto outcome = deliver(sink.port(), {message({"a@example.org"}), message({"b@example.org"})});
  ASSERT_FALSE(outcome.open_error);
  EXPECT_FALSE(outcome.results[0].connection_usable);
  EXPECT_EQ(outcome.results[0].recipients[0].code, 421);
  EXPECT_THAT(outcome.results[0].recipients[0].text(), HasSubstr("4.4.2 connection lost"));
  EXPECT_EQ(outcome.results[1].recipients[0].code, 421);  // not sent on the broken connection
}

TEST(DeliveryClient, SlowServerTimesOut) {
  SmtpSink sink(
      {"-p", "-W", "RCPT:3"});  // without pipelining: smtp-sink answers pipelined commands out of order
  ClientOptions options;
  options.timeouts.command = std::chrono::seconds(1);
  auto outcome = deliver(sink.port(), {message({"a@example.org"})}, options);
  ASSERT_FALSE(outcome.open_error);
  EXPECT_THAT(outcome.results[0].recipients[0].text(), HasSubstr("timeout after 1s"));
}

TEST(DeliveryClient, EightBitMailToAServerWithout8BitMime) {
  SmtpSink sink({"-8"});
  std::string data = "Subject: caf\xc3\xa9\r\n\r\nna\xc3\xafve\r\n";
  Message m = message({"a@example.org"}, data);
  m.eight_bit = true;
  auto outcome = deliver(sink.port(), {m});
  ASSERT_FALSE(outcome.open_error);
  EXPECT_FALSE(outcome.caps.eightbitmime);
  EXPECT_EQ(outcome.results[0].recipients[0].enhanced, (EnhancedCode{5, 6, 3}));
  EXPECT_TRUE(sink.messages().empty());
}

TEST(DeliveryClient, EightBitMailIsAnnouncedWhereSupported) {
  SmtpSink sink;
  std::string data = "Subject: test\r\n\r\nna\xc3\xafve\r\n";
  Message m = message({"a@example.org"}, data);
  m.eight_bit = true;
  auto outcome = deliver(sink.port(), {m});
  ASSERT_EQ(outcome.results[0].recipients[0].code, 250);
  EXPECT_THAT(sink.messages()[0], HasSubstr("X-Mail-Args: <sender@example.com> BODY=8BITMIME\n"));
}

TEST(DeliveryClient, RefusedConnection) {
  auto outcome = deliver(relay::test::free_tcp_port(), {message({"a@example.org"})});
  ASSERT_TRUE(outcome.open_error);
  EXPECT_THAT(outcome.open_error->what, HasSubstr("connect: "));
  EXPECT_FALSE(outcome.open_error->permanent());
}

TEST(DeliveryClient, TlsRequiredButNotOffered) {
  SmtpSink sink;  // smtp-sink offers no STARTTLS
  ClientOptions options;
  options.tls = TlsPolicy::required;
  auto outcome = deliver(sink.port(), {message({"a@example.org"})}, options);
  ASSERT_TRUE(outcome.open_error);
  EXPECT_EQ(outcome.open_error->enhanced, "4.7.4");
}

TEST(EncodeData, DotStuffsAndTerminates) {
  EXPECT_EQ(encode_data("a\r\n.b\r\n..c\r\n"), "a\r\n..b\r\n...c\r\n.\r\n");
  EXPECT_EQ(encode_data(".x\nno newline"), "..x\r\nno newline\r\n.\r\n");
  EXPECT_EQ(encode_data(""), ".\r\n");
}

}  // namespace
}  // namespace mta::delivery

namespace mta::delivery {
namespace {

using relay::test::BehaviourSink;

TEST(DeliveryClientTls, OpportunisticStartTls) {
  BehaviourSink sink({.tls = true});
  asio::io_context io;
  auto tls = make_client_tls_context();
  std::string version;
  TransactionResult result;
  std::optional<ClientError> open_error;
  Message m = message({"accept@example.org", "reject@example.org"});
  ClientOptions options;  // a named variable: see SmtpConnection::open on gcc 12 and prvalues
  auto task = [&]() -> asio::awaitable<void> {  // gcc 12 cannot compile gtest macros or braced lists of
                                                // literals in coroutines
    auto [connection, error] = co_await SmtpConnection::open(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), sink.port()), options, tls);
    open_error = error;
    if (error) co_return;
    version = connection->tls_version();
    result = co_await connection->send(m);
    co_await connection->quit();
  };
  auto done = asio::co_spawn(io, task(), asio::use_future);
  io.run();
  done.get();
  ASSERT_FALSE(open_error) << open_error->what;
  EXPECT_EQ(version, "TLSv1.3");
  ASSERT_EQ(result.recipients.size(), 2u);
  EXPECT_EQ(result.recipients[0].code, 250);
  EXPECT_EQ(result.recipients[1].code, 550);
  auto stored = sink.messages();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_TRUE(stored[0].tls);
  EXPECT_EQ(stored[0].recipients, std::vector<std::string>{"accept@example.org"});
  EXPECT_NE(stored[0].data.find(".leading dot"), std::string::npos);
}

TEST(DeliveryClientTls, PlaintextWhenTlsIsOff) {
  BehaviourSink sink({.tls = true, .require_tls = true});
  ClientOptions options;
  options.tls = TlsPolicy::none;
  auto outcome = deliver(sink.port(), {message({"accept@example.org"})}, options);
  ASSERT_FALSE(outcome.open_error);
  EXPECT_EQ(outcome.results[0].recipients[0].code, 530);  // the sink insists on TLS
  EXPECT_TRUE(outcome.results[0].recipients[0].permanent());
}

}  // namespace
}  // namespace mta::delivery
