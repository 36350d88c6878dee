// smtp_client.hpp — one outgoing SMTP connection (RFC 5321) as the delivery engine uses it: connect (from a
// chosen source address), greeting, EHLO (HELO fallback), STARTTLS (RFC 3207; opportunistic or required),
// then any number of transactions on the same connection, each MAIL + every RCPT + DATA pipelined when the
// server offers PIPELINING (RFC 2920), with SIZE (RFC 1870) and BODY=8BITMIME (RFC 6152). With credentials
// (campaign send into a submission listener; delivery never sets them): AUTH PLAIN (RFC 4954) after EHLO,
// after STARTTLS when used; credentials go in plaintext only to a loopback server, else TLS is required.
// Every wait has the RFC 5321 §4.5.3.2 timeout of its phase. Untrusted input: all server replies, read
// through the bounded ReplyReader. Failures are values (ClientError), never exceptions.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>

#include "mta/delivery/reply.hpp"

namespace mta::delivery {

enum class TlsPolicy { none, opportunistic, required };

struct ClientTimeouts {  // RFC 5321 §4.5.3.2, with a connect timeout of our own
  std::chrono::seconds connect{30};
  std::chrono::seconds greeting{300};
  std::chrono::seconds command{300};  // EHLO, STARTTLS, MAIL, RCPT, RSET
  std::chrono::seconds data_start{120};
  std::chrono::seconds data_block{180};
  std::chrono::seconds data_end{600};
  std::chrono::seconds quit{10};
};

struct Credentials {
  std::string user;
  std::string password;
};

struct ClientOptions {
  std::string ehlo_name = "localhost";
  // Set: AUTH PLAIN before the first transaction; TLS becomes required unless the server is on loopback.
  std::optional<Credentials> credentials;
  std::optional<asio::ip::address> source;  // bind to this local address
  TlsPolicy tls = TlsPolicy::opportunistic;
  std::string tls_server_name;  // SNI: the MX host name
  ClientTimeouts timeouts;
};

struct Capabilities {
  bool esmtp = false, pipelining = false, starttls = false, eightbitmime = false, smtputf8 = false,
       enhanced_status_codes = false, dsn = false, auth = false, auth_plain = false;
  std::optional<std::uint64_t> size;  // SIZE limit, when announced with one
};

// Why a connection could not be used: every such failure defers the recipients (4.4.x), except where the
// server itself answered 5xx at the greeting/EHLO.
struct ClientError {
  std::string what;                // "connection refused", "timeout waiting for the greeting", ...
  std::optional<Reply> reply;      // the server's reply, when it gave one
  std::string enhanced = "4.4.1";  // the RFC 3463 code for a DSN
  bool source_unusable = false;    // binding options.source failed: no other server would do better
  // AUTH with options.credentials failed, or could not be tried (not offered, no TLS): retrying the
  // same credentials will not help.
  bool authentication = false;
  bool permanent() const { return reply && reply->permanent(); }
};

struct Message {
  std::string sender;                   // "" for the null sender
  std::vector<std::string> recipients;  // each "local@domain"
  std::string_view data;                // the whole message, CRLF line endings, not dot-stuffed
  bool eight_bit = false;               // the body has octets above 127
  bool smtputf8 = false;                // an address or header needs SMTPUTF8
  // RFC 3461 parameters, passed on when the server offers DSN: RET and ENVID for MAIL; NOTIFY and ORCPT
  // per recipient (empty or parallel to recipients).
  std::uint8_t ret = 0;  // smtp::DsnReturn
  std::string envid;
  std::vector<std::uint8_t> notify;
  std::vector<std::string> orcpt;
};

struct TransactionResult {
  // One reply per recipient: the RCPT reply when it was refused, else the final reply to DATA (or the MAIL
  // reply when MAIL failed, or a synthesized reply when the connection broke).
  std::vector<Reply> recipients;
  bool connection_usable = true;  // false: the connection broke and must not be reused
};

class SmtpConnection {
 public:
  // Connects and gets to the point where MAIL may be sent. tls_context is used for STARTTLS. options is
  // taken by reference (copied into the connection) and must live until the co_await completes: gcc 12
  // destroys a prvalue passed by value to a coroutine twice.
  static asio::awaitable<std::pair<std::unique_ptr<SmtpConnection>, std::optional<ClientError>>> open(
      asio::ip::tcp::endpoint endpoint, const ClientOptions& options, asio::ssl::context& tls_context);
  ~SmtpConnection();

  asio::awaitable<TransactionResult> send(const Message& message);
  // QUIT, then close. Safe to call on a broken connection.
  asio::awaitable<void> quit();

  const Capabilities& capabilities() const;
  std::string tls_version() const;  // "TLSv1.3", or "" when the connection is in plaintext
  const std::string& greeting() const;
  std::string local_address() const;  // the address this connection leaves from ("" if unknown)
  bool usable() const;

  struct Impl;

 private:
  struct Attempt {
    std::unique_ptr<SmtpConnection> connection;
    std::optional<ClientError> error;
    bool tls_handshake_failed = false;
  };
  static asio::awaitable<Attempt> attempt(asio::ip::tcp::endpoint endpoint, const ClientOptions& options,
                                          asio::ssl::context& tls_context, bool starttls);
  explicit SmtpConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Dot-stuffing (RFC 5321 §4.5.2) and the terminating "CRLF.CRLF"; LF-only line ends become CRLF.
std::string encode_data(std::string_view message);

// A TLS client context for opportunistic SMTP: TLS 1.2+, no certificate verification (RFC 7435).
asio::ssl::context make_client_tls_context();

}  // namespace mta::delivery
