// The SMTP client's AUTH PLAIN (RFC 4954) against the real `relayctl serve` submission listener on
// loopback: logging in over plaintext where the daemon allows it on loopback, a wrong password (a
// permanent authentication error with the server's 535), AUTH offered only after STARTTLS the client did
// not do, a server that offers no AUTH at all (smtp-sink -a), and credentials never sent in plaintext to a
// server off loopback (behaviour_sink on this host's own non-loopback address, without STARTTLS): each a
// clear error, never a transaction.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mta/delivery/smtp_client.hpp"
#include "tests/support/behaviour_sink.hpp"
#include "tests/support/smtp_daemon.hpp"
#include "tests/support/smtp_sink.hpp"

namespace mta::delivery {
namespace {

using ::testing::HasSubstr;

const std::string kMessage = "From: alice@example.com\r\nTo: a@dest.test\r\nSubject: test\r\n\r\nhello\r\n";

struct Outcome {
  std::optional<ClientError> open_error;
  std::optional<TransactionResult> result;
  std::string tls_version;
};

// Logs in to host:port as user with password (no STARTTLS asked for) and sends one message from
// alice@example.com.
Outcome submit(unsigned short port, const std::string& user, const std::string& password,
               const std::string& host = "127.0.0.1") {
  asio::io_context io;
  auto tls = make_client_tls_context();
  ClientOptions options;
  options.tls = TlsPolicy::none;
  options.credentials = Credentials{user, password};
  Message message;
  message.sender = "alice@example.com";
  message.recipients = {"a@dest.test"};
  message.data = kMessage;
  Outcome outcome;
  auto task = [&]() -> asio::awaitable<void> {
    auto [connection, error] = co_await SmtpConnection::open(
        asio::ip::tcp::endpoint(asio::ip::make_address(host), port), options, tls);
    if (error) {
      outcome.open_error = error;
      co_return;
    }
    outcome.tls_version = connection->tls_version();
    outcome.result = co_await connection->send(message);
    co_await connection->quit();
  };
  auto done = asio::co_spawn(io, task(), asio::use_future);
  io.run();
  done.get();
  return outcome;
}

relay::test::DaemonOptions plaintext_auth_on_loopback() {
  relay::test::DaemonOptions options;
  options.plaintext_auth_on_loopback = true;
  return options;
}

TEST(DeliveryClientAuth, PlainLoginOnLoopbackThenMail) {
  relay::test::SmtpDaemon daemon(plaintext_auth_on_loopback());
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto outcome = submit(daemon.submission_port(), "alice", "secret");
  ASSERT_FALSE(outcome.open_error) << outcome.open_error->what;
  EXPECT_EQ(outcome.tls_version, "");
  ASSERT_TRUE(outcome.result);
  ASSERT_EQ(outcome.result->recipients.size(), 1u);
  EXPECT_EQ(outcome.result->recipients[0].code, 250) << outcome.result->recipients[0].text();
}

TEST(DeliveryClientAuth, WrongPasswordIsAPermanentAuthenticationError) {
  relay::test::SmtpDaemon daemon(plaintext_auth_on_loopback());
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto outcome = submit(daemon.submission_port(), "alice", "wrong");
  ASSERT_TRUE(outcome.open_error);
  EXPECT_TRUE(outcome.open_error->authentication);
  EXPECT_TRUE(outcome.open_error->permanent());
  EXPECT_EQ(outcome.open_error->what, "authentication failed");
  ASSERT_TRUE(outcome.open_error->reply);
  EXPECT_EQ(outcome.open_error->reply->code, 535);
}

TEST(DeliveryClientAuth, AuthOnlyAfterStartTlsThatWasNotDone) {
  relay::test::SmtpDaemon daemon;  // AUTH only over TLS
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto outcome = submit(daemon.submission_port(), "alice", "secret");
  ASSERT_TRUE(outcome.open_error);
  EXPECT_TRUE(outcome.open_error->authentication);
  EXPECT_THAT(outcome.open_error->what, HasSubstr("only after STARTTLS"));
}

TEST(DeliveryClientAuth, ServerWithoutAuth) {
  relay::test::SmtpSink sink({"-a"});  // no AUTH announced
  auto outcome = submit(sink.port(), "alice", "secret");
  ASSERT_TRUE(outcome.open_error);
  EXPECT_TRUE(outcome.open_error->authentication);
  EXPECT_THAT(outcome.open_error->what, HasSubstr("does not offer AUTH"));
}

// An IPv4 address of this host outside 127.0.0.0/8, or "" when it has none.
std::string non_loopback_address() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i && found.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, text, sizeof text);
    if (!asio::ip::make_address_v4(text).is_loopback()) found = text;
  }
  freeifaddrs(list);
  return found;
}

TEST(DeliveryClientAuth, NoPlaintextCredentialsOffLoopback) {
  std::string address = non_loopback_address();
  if (address.empty()) GTEST_SKIP() << "this host has no IPv4 address outside loopback";
  relay::test::BehaviourSinkOptions options;
  options.host = address;  // no STARTTLS offered
  relay::test::BehaviourSink sink(options);
  auto outcome = submit(sink.port(), "alice", "secret", address);
  ASSERT_TRUE(outcome.open_error);
  EXPECT_TRUE(outcome.open_error->authentication);
  EXPECT_THAT(outcome.open_error->what, HasSubstr("plaintext only to a server on this machine"));
  EXPECT_TRUE(sink.messages().empty());
}

}  // namespace
}  // namespace mta::delivery
