#include "mta/delivery/smtp_client.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include <asio/connect.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <openssl/crypto.h>

#include "mta/smtp/base64.hpp"
#include "mta/smtp/dsn_params.hpp"

namespace mta::delivery {
namespace {

using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::size_t kDataChunk = 64 * 1024;

Reply synthesized(int code, std::string_view enhanced, std::string text) {
  Reply reply;
  reply.code = code;
  reply.lines.push_back(std::string(enhanced) + " " + std::move(text));
  reply.enhanced = parse_enhanced_code(reply.lines.front());
  return reply;
}

std::string upper_first_word(std::string_view line) {
  std::string word(line.substr(0, line.find(' ')));
  std::transform(word.begin(), word.end(), word.begin(),
                 [](unsigned char c) { return char(std::toupper(c)); });
  return word;
}

Capabilities parse_ehlo(const Reply& reply) {
  Capabilities caps;
  caps.esmtp = true;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::string keyword = upper_first_word(reply.lines[i]);
    if (keyword == "PIPELINING")
      caps.pipelining = true;
    else if (keyword == "STARTTLS")
      caps.starttls = true;
    else if (keyword == "8BITMIME")
      caps.eightbitmime = true;
    else if (keyword == "SMTPUTF8")
      caps.smtputf8 = true;
    else if (keyword == "ENHANCEDSTATUSCODES")
      caps.enhanced_status_codes = true;
    else if (keyword == "DSN")
      caps.dsn = true;
    else if (keyword == "AUTH") {
      caps.auth = true;
      std::string mechanisms = " " + reply.lines[i] + " ";
      std::transform(mechanisms.begin(), mechanisms.end(), mechanisms.begin(),
                     [](unsigned char c) { return char(std::toupper(c)); });
      caps.auth_plain = mechanisms.find(" PLAIN ") != std::string::npos;
    } else if (keyword == "SIZE") {
      auto space = reply.lines[i].find(' ');
      if (space != std::string::npos) {
        std::uint64_t limit = 0;
        std::string_view number = std::string_view(reply.lines[i]).substr(space + 1);
        auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), limit);
        if (ec == std::errc{} && limit > 0) caps.size = limit;
      }
    }
  }
  return caps;
}

ClientError auth_error(std::string what, std::optional<Reply> reply = std::nullopt) {
  ClientError error{std::move(what), std::move(reply), "5.7.8"};
  error.authentication = true;
  return error;
}

}  // namespace

struct SmtpConnection::Impl {
  Impl(tcp::socket socket, asio::ssl::context& context, ClientOptions opts)
      : stream(std::move(socket), context), options(std::move(opts)) {}

  asio::ssl::stream<tcp::socket> stream;
  ClientOptions options;
  Capabilities caps;
  ReplyReader reader;
  std::string greeting;
  bool tls = false;
  bool broken = false;
  bool needs_rset = false;
  std::array<char, 16384> buffer{};

  struct ReadResult {
    std::optional<Reply> reply;
    std::string error;
  };

  asio::awaitable<ReadResult> read_reply(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      Reply reply;
      auto state = reader.next(reply);
      if (state == ReplyReader::State::reply) co_return ReadResult{std::move(reply), {}};
      if (state == ReplyReader::State::error) {
        broken = true;
        co_return ReadResult{std::nullopt, "malformed reply: " + reader.error()};
      }
      asio::steady_timer timer(stream.get_executor());
      timer.expires_at(deadline);
      auto buf = asio::buffer(buffer);
      std::variant<std::tuple<asio::error_code, std::size_t>, std::tuple<asio::error_code>> result =
          tls ? co_await (stream.async_read_some(buf, kTuple) || timer.async_wait(kTuple))
              : co_await (stream.next_layer().async_read_some(buf, kTuple) || timer.async_wait(kTuple));
      if (result.index() == 1) {
        broken = true;
        co_return ReadResult{std::nullopt, "timeout after " + std::to_string(timeout.count()) + "s"};
      }
      auto [ec, n] = std::get<0>(result);
      if (ec) {
        broken = true;
        co_return ReadResult{std::nullopt,
                             ec == asio::error::eof ? "connection closed by the server" : ec.message()};
      }
      reader.feed(std::string_view(buffer.data(), n));
    }
  }

  asio::awaitable<std::string> write(std::string_view data, std::chrono::seconds timeout) {
    asio::steady_timer timer(stream.get_executor());
    timer.expires_after(timeout);
    auto buf = asio::buffer(data.data(), data.size());
    std::variant<std::tuple<asio::error_code, std::size_t>, std::tuple<asio::error_code>> result =
        tls ? co_await (asio::async_write(stream, buf, kTuple) || timer.async_wait(kTuple))
            : co_await (asio::async_write(stream.next_layer(), buf, kTuple) || timer.async_wait(kTuple));
    if (result.index() == 1) {
      broken = true;
      co_return "timeout after " + std::to_string(timeout.count()) + "s while sending";
    }
    if (auto [ec, n] = std::get<0>(result); ec) {
      broken = true;
      co_return ec.message();
    }
    co_return std::string();
  }

  // Sends one command and reads its reply.
  asio::awaitable<ReadResult> command(std::string line, std::chrono::seconds timeout) {
    line += "\r\n";
    if (std::string error = co_await write(line, timeout); !error.empty())
      co_return ReadResult{std::nullopt, error};
    co_return co_await read_reply(timeout);
  }

  asio::awaitable<std::optional<ClientError>> ehlo() {
    auto result = co_await command("EHLO " + options.ehlo_name, options.timeouts.command);
    if (!result.reply) co_return ClientError{"EHLO: " + result.error, std::nullopt};
    if (result.reply->code == 250) {
      caps = parse_ehlo(*result.reply);
      co_return std::nullopt;
    }
    if (result.reply->transient()) co_return ClientError{"EHLO refused", result.reply};
    // 5xx to EHLO: an old server; RFC 5321 §3.2 says fall back to HELO.
    result = co_await command("HELO " + options.ehlo_name, options.timeouts.command);
    if (!result.reply) co_return ClientError{"HELO: " + result.error, std::nullopt};
    if (result.reply->code != 250)
      co_return ClientError{"HELO refused", result.reply, result.reply->permanent() ? "5.5.0" : "4.4.1"};
    caps = Capabilities{};
    co_return std::nullopt;
  }

  // AUTH PLAIN (RFC 4954 §4, RFC 4616) with the initial response; the caller has checked the channel.
  asio::awaitable<std::optional<ClientError>> authenticate(const Credentials& credentials) {
    if (!caps.auth_plain)
      co_return auth_error(!caps.auth && !tls && caps.starttls
                               ? "the server offers AUTH only after STARTTLS, which was not used"
                           : caps.auth ? "the server does not offer AUTH PLAIN"
                                       : "the server does not offer AUTH (is it a submission listener?)");
    std::string plain;
    plain.reserve(credentials.user.size() + credentials.password.size() + 2);
    plain += '\0';
    plain += credentials.user;
    plain += '\0';
    plain += credentials.password;
    std::string line = "AUTH PLAIN " + smtp::base64_encode(plain);
    OPENSSL_cleanse(plain.data(), plain.size());
    auto result = co_await command(line, options.timeouts.command);
    OPENSSL_cleanse(line.data(), line.size());
    if (!result.reply) co_return ClientError{"AUTH: " + result.error, std::nullopt};
    if (result.reply->code == 235) co_return std::nullopt;
    if (result.reply->permanent() || result.reply->code == 334) {
      broken = true;
      co_return auth_error("authentication failed", result.reply);
    }
    co_return ClientError{"AUTH refused for now", result.reply};
  }

  asio::awaitable<TransactionResult> transaction(const Message& message);
};

SmtpConnection::SmtpConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SmtpConnection::~SmtpConnection() = default;
const Capabilities& SmtpConnection::capabilities() const {
  return impl_->caps;
}
const std::string& SmtpConnection::greeting() const {
  return impl_->greeting;
}
bool SmtpConnection::usable() const {
  return !impl_->broken;
}
std::string SmtpConnection::local_address() const {
  asio::error_code ec;
  auto endpoint = impl_->stream.next_layer().local_endpoint(ec);
  return ec ? std::string() : endpoint.address().to_string();
}

std::string SmtpConnection::tls_version() const {
  if (!impl_->tls) return "";
  return SSL_get_version(impl_->stream.native_handle());
}

// One connection attempt; starttls = false skips STARTTLS even when offered. A failed TLS handshake under
// the opportunistic policy is reported with tls_handshake_failed so that open() can retry in plaintext.
asio::awaitable<SmtpConnection::Attempt> SmtpConnection::attempt(tcp::endpoint endpoint,
                                                                 const ClientOptions& options,
                                                                 asio::ssl::context& tls_context,
                                                                 bool starttls) {
  auto executor = co_await asio::this_coro::executor;
  tcp::socket socket(executor);
  asio::error_code ec;
  socket.open(endpoint.protocol(), ec);
  if (ec) co_return Attempt{nullptr, ClientError{"cannot open a socket: " + ec.message(), std::nullopt}};
  if (options.source) socket.bind(tcp::endpoint(*options.source, 0), ec);
  if (ec) {
    ClientError error{"cannot bind the source address " +
                          (options.source ? options.source->to_string() : "") + ": " + ec.message(),
                      std::nullopt};
    error.source_unusable = true;
    co_return Attempt{nullptr, error};
  }
  asio::steady_timer timer(executor);
  timer.expires_after(options.timeouts.connect);
  auto connected = co_await (socket.async_connect(endpoint, kTuple) || timer.async_wait(kTuple));
  if (connected.index() == 1) co_return Attempt{nullptr, ClientError{"connect timeout", std::nullopt}};
  if (auto [error] = std::get<0>(connected); error)
    co_return Attempt{nullptr, ClientError{"connect: " + error.message(), std::nullopt}};

  auto impl = std::make_unique<Impl>(std::move(socket), tls_context, options);
  auto greeting = co_await impl->read_reply(options.timeouts.greeting);
  if (!greeting.reply) co_return Attempt{nullptr, ClientError{"greeting: " + greeting.error, std::nullopt}};
  if (greeting.reply->code != 220)
    co_return Attempt{nullptr, ClientError{"the server refused the connection", greeting.reply,
                                           greeting.reply->permanent() ? "5.0.0" : "4.4.1"}};
  impl->greeting = greeting.reply->text();
  if (auto error = co_await impl->ehlo()) co_return Attempt{nullptr, error};

  // Credentials never cross the network in plaintext: to a server off this machine, TLS is required.
  const bool must_tls =
      options.tls == TlsPolicy::required || (options.credentials && !endpoint.address().is_loopback());
  if (must_tls && !impl->caps.starttls) {
    ClientError error{"TLS is required but the server does not offer STARTTLS", std::nullopt, "4.7.4"};
    if (options.tls != TlsPolicy::required)
      error = auth_error(
          "the server does not offer STARTTLS, and credentials are sent in plaintext only to "
          "a server on this machine (loopback)");
    co_return Attempt{nullptr, error};
  }
  if ((starttls || must_tls) && impl->caps.starttls) {
    auto reply = co_await impl->command("STARTTLS", options.timeouts.command);
    if (!reply.reply) co_return Attempt{nullptr, ClientError{"STARTTLS: " + reply.error, std::nullopt}};
    if (reply.reply->code == 220) {
      // Anything the server sent after its 220 arrived before TLS: it must not be trusted (RFC 3207 §4.2).
      if (impl->reader.buffered() > 0)
        co_return Attempt{nullptr,
                          ClientError{"the server sent data after its STARTTLS reply", std::nullopt}};
      if (!options.tls_server_name.empty())
        SSL_set_tlsext_host_name(impl->stream.native_handle(), options.tls_server_name.c_str());
      timer.expires_after(options.timeouts.command);
      auto shaken = co_await (impl->stream.async_handshake(asio::ssl::stream_base::client, kTuple) ||
                              timer.async_wait(kTuple));
      std::string failure =
          shaken.index() == 1 ? std::string("timeout") : std::get<0>(std::get<0>(shaken)).message();
      if (shaken.index() == 1 || std::get<0>(std::get<0>(shaken)))
        co_return Attempt{nullptr, ClientError{"TLS handshake failed: " + failure, std::nullopt, "4.7.5"},
                          true};
      impl->tls = true;
      impl->reader = ReplyReader{};
      if (auto error = co_await impl->ehlo()) co_return Attempt{nullptr, error};
    } else if (must_tls) {
      co_return Attempt{nullptr, ClientError{"the server refused STARTTLS", reply.reply, "4.7.4"}};
    }
  }
  if (options.credentials)
    if (auto error = co_await impl->authenticate(*options.credentials)) co_return Attempt{nullptr, error};
  co_return Attempt{std::unique_ptr<SmtpConnection>(new SmtpConnection(std::move(impl))), std::nullopt};
}

asio::awaitable<std::pair<std::unique_ptr<SmtpConnection>, std::optional<ClientError>>> SmtpConnection::open(
    tcp::endpoint endpoint, const ClientOptions& options, asio::ssl::context& tls_context) {
  Attempt first = co_await attempt(endpoint, options, tls_context, options.tls != TlsPolicy::none);
  if (first.tls_handshake_failed && options.tls == TlsPolicy::opportunistic) {
    // Opportunistic TLS must not make mail undeliverable: a new connection, in plaintext (as Postfix does).
    Attempt plain = co_await attempt(endpoint, options, tls_context, false);
    co_return std::make_pair(std::move(plain.connection), std::move(plain.error));
  }
  co_return std::make_pair(std::move(first.connection), std::move(first.error));
}

asio::awaitable<TransactionResult> SmtpConnection::send(const Message& message) {
  co_return co_await impl_->transaction(message);
}

asio::awaitable<TransactionResult> SmtpConnection::Impl::transaction(const Message& message) {
  TransactionResult result;
  auto fail_all = [&](const Reply& reply) {
    result.recipients.assign(message.recipients.size(), reply);
    return result;
  };
  if (broken) co_return fail_all(synthesized(421, "4.4.2", "connection no longer usable"));
  if (message.eight_bit && !caps.eightbitmime)
    co_return fail_all(synthesized(554, "5.6.3",
                                   "the message has 8-bit data and the server does not accept it "
                                   "(no 8BITMIME); converting it would break its DKIM signature"));
  if (message.smtputf8 && !caps.smtputf8)
    co_return fail_all(
        synthesized(553, "5.6.7", "the message needs SMTPUTF8, which the server does not support"));
  if (caps.size && message.data.size() > *caps.size)
    co_return fail_all(synthesized(552, "5.3.4",
                                   "message size " + std::to_string(message.data.size()) +
                                       " exceeds the server's limit of " + std::to_string(*caps.size)));

  std::string mail = "MAIL FROM:<" + message.sender + ">";
  if (caps.size) mail += " SIZE=" + std::to_string(message.data.size());
  if (message.eight_bit) mail += " BODY=8BITMIME";
  if (message.smtputf8) mail += " SMTPUTF8";
  if (caps.dsn && message.ret != 0)
    mail += message.ret == static_cast<std::uint8_t>(smtp::DsnReturn::full) ? " RET=FULL" : " RET=HDRS";
  if (caps.dsn && !message.envid.empty()) mail += " ENVID=" + smtp::xtext_encode(message.envid);
  std::vector<std::string> commands;
  if (needs_rset) commands.push_back("RSET");
  commands.push_back(mail);
  for (std::size_t i = 0; i < message.recipients.size(); ++i) {
    std::string rcpt = "RCPT TO:<" + message.recipients[i] + ">";
    if (caps.dsn && i < message.notify.size() && message.notify[i] != 0)
      rcpt += " NOTIFY=" + smtp::format_notify(message.notify[i]);
    if (caps.dsn && i < message.orcpt.size() && !message.orcpt[i].empty())
      rcpt += " ORCPT=" + smtp::format_orcpt(message.orcpt[i]);
    commands.push_back(std::move(rcpt));
  }
  commands.push_back("DATA");
  const std::size_t first_rcpt = needs_rset ? 2 : 1;
  needs_rset = true;

  auto lost = [&](const std::string& why) {
    broken = true;
    result.connection_usable = false;
    return fail_all(synthesized(421, "4.4.2", "connection lost: " + why));
  };

  // With PIPELINING the whole group goes in one write and the replies are read in order (RFC 2920);
  // otherwise one command at a time, stopping at a refused MAIL and skipping DATA when no RCPT was taken.
  std::vector<Reply> replies;
  auto read_next = [&](std::size_t i) -> asio::awaitable<std::string> {
    bool is_data = i + 1 == commands.size();
    auto read = co_await read_reply(is_data ? options.timeouts.data_start : options.timeouts.command);
    if (!read.reply) co_return read.error;
    replies.push_back(std::move(*read.reply));
    co_return std::string();
  };
  auto accepted = [&] {
    for (std::size_t i = first_rcpt; i < replies.size() && i < first_rcpt + message.recipients.size(); ++i)
      if (replies[i].positive()) return true;
    return false;
  };
  if (caps.pipelining) {
    std::string batch;
    for (const auto& c : commands)
      batch += c + "\r\n";
    if (std::string error = co_await write(batch, options.timeouts.command); !error.empty())
      co_return lost(error);
    for (std::size_t i = 0; i < commands.size(); ++i)
      if (std::string error = co_await read_next(i); !error.empty()) co_return lost(error);
  } else {
    for (std::size_t i = 0; i < commands.size(); ++i) {
      bool is_data = i + 1 == commands.size();
      if (is_data && !accepted()) break;
      if (std::string error = co_await write(commands[i] + "\r\n", options.timeouts.command); !error.empty())
        co_return lost(error);
      if (std::string error = co_await read_next(i); !error.empty()) co_return lost(error);
      if (i + 1 == first_rcpt && !replies.back().positive()) break;
    }
  }
  bool any_accepted = accepted();

  const Reply& mail_reply = replies[first_rcpt - 1];
  bool data_started = replies.size() == commands.size() && replies.back().code == 354;
  if (!mail_reply.positive() || !any_accepted) {
    if (data_started) {  // a server that said 354 anyway: end the empty message, and reset it
      if (std::string error = co_await write(".\r\n", options.timeouts.data_block); !error.empty())
        co_return lost(error);
      if (auto end = co_await read_reply(options.timeouts.data_end); !end.reply) co_return lost(end.error);
    } else if (!mail_reply.positive()) {
      needs_rset = false;  // a refused MAIL leaves no transaction open
    }
    if (!mail_reply.positive()) co_return fail_all(mail_reply);
  }
  result.recipients.resize(message.recipients.size());
  for (std::size_t r = 0; r < message.recipients.size(); ++r)
    result.recipients[r] = replies[first_rcpt + r];
  if (!any_accepted) co_return result;
  if (!data_started) {
    const Reply& data_reply = replies.size() == commands.size() ? replies.back() : mail_reply;
    for (std::size_t r = 0; r < message.recipients.size(); ++r)
      if (result.recipients[r].positive()) result.recipients[r] = data_reply;
    co_return result;
  }

  std::string encoded = encode_data(message.data);
  for (std::size_t offset = 0; offset < encoded.size(); offset += kDataChunk) {
    std::string_view chunk = std::string_view(encoded).substr(offset, kDataChunk);
    if (std::string error = co_await write(chunk, options.timeouts.data_block); !error.empty())
      co_return lost(error);
  }
  auto final_reply = co_await read_reply(options.timeouts.data_end);
  if (!final_reply.reply) co_return lost(final_reply.error);
  needs_rset = false;
  for (std::size_t r = 0; r < message.recipients.size(); ++r)
    if (result.recipients[r].positive()) result.recipients[r] = *final_reply.reply;
  co_return result;
}

asio::awaitable<void> SmtpConnection::quit() {
  if (!impl_->broken) {
    co_await impl_->command("QUIT", impl_->options.timeouts.quit);
    impl_->broken = true;
  }
  asio::error_code ignored;
  impl_->stream.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  impl_->stream.next_layer().close(ignored);
}

std::string encode_data(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 64 + 8);
  bool line_start = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    char c = message[i];
    if (line_start && c == '.') out += '.';
    if (c == '\n' && (i == 0 || message[i - 1] != '\r')) out += '\r';
    out += c;
    line_start = c == '\n';
  }
  if (!out.empty() && !line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

asio::ssl::context make_client_tls_context() {
  asio::ssl::context context(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  context.set_verify_mode(asio::ssl::verify_none);
  return context;
}

}  // namespace mta::delivery
