#include "mta/server/smtp_server.hpp"

#include <cerrno>
#include <cstdio>
#include <chrono>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "mta/inbound/limits/client_limiter.hpp"
#include "mta/log/log.hpp"
#include "mta/server/async_bridge.hpp"
#include "mta/server/tls_context.hpp"
#include "mta/smtp/ascii.hpp"
#include "mta/smtp/command_parser.hpp"

namespace mta::server {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using config::ListenerKind;

struct SmtpServer::Connection {
  Connection(tcp::socket socket, asio::ssl::context& tls)
      : stream(std::move(socket), tls), deadline(stream.get_executor()) {}
  asio::ssl::stream<tcp::socket> stream;
  asio::steady_timer deadline;
  std::string address;
  bool tls = false;
  bool timed_out = false;
  bool reading_command = false;
  bool drain_requested = false;
};

namespace {

// A context for sessions when no TLS is configured (the stream type needs one; it is never used).
asio::ssl::context& unused_tls_context() {
  static asio::ssl::context context(asio::ssl::context::tls_server);
  return context;
}

void arm(const std::shared_ptr<SmtpServer::Connection>& c, std::chrono::seconds timeout) {
  c->deadline.expires_after(timeout);
  c->deadline.async_wait([weak = std::weak_ptr(c)](std::error_code ec) {
    if (ec) return;
    if (auto connection = weak.lock()) {
      connection->timed_out = true;
      asio::error_code ignored;
      connection->stream.lowest_layer().cancel(ignored);
    }
  });
}

awaitable<std::size_t> read_some(SmtpServer::Connection& c, char* data, std::size_t size,
                                 asio::error_code& ec) {
  if (c.tls)
    co_return co_await c.stream.async_read_some(asio::buffer(data, size),
                                                asio::redirect_error(use_awaitable, ec));
  co_return co_await c.stream.next_layer().async_read_some(asio::buffer(data, size),
                                                           asio::redirect_error(use_awaitable, ec));
}

awaitable<bool> write_all(SmtpServer::Connection& c, std::string& out) {
  if (out.empty()) co_return true;
  asio::error_code ec;
  if (c.tls)
    co_await asio::async_write(c.stream, asio::buffer(out), asio::redirect_error(use_awaitable, ec));
  else
    co_await asio::async_write(c.stream.next_layer(), asio::buffer(out),
                               asio::redirect_error(use_awaitable, ec));
  out.clear();
  co_return !ec;
}

}  // namespace

std::shared_ptr<const ServerSettings> make_settings(const config::Config& config,
                                                    std::shared_ptr<asio::ssl::context> tls,
                                                    std::shared_ptr<const dkim::Signer> signer,
                                                    Metrics* metrics,
                                                    std::shared_ptr<smtp::CampaignHooks> campaigns,
                                                    std::shared_ptr<inbound::InboundPolicy> inbound) {
  auto settings = std::make_shared<ServerSettings>();
  settings->inbound = inbound;
  settings->config = config;
  settings->tls = std::move(tls);
  settings->signer = std::move(signer);
  std::vector<std::string> relay_domains;
  for (const auto& d : config.inbound.relay_domains)
    relay_domains.push_back(smtp::ascii_lowered(d));
  std::vector<std::string> untrusted_routing_domains;
  for (const auto& domain : config.inbound.domains)
    if (domain.allow_untrusted_routing) untrusted_routing_domains.push_back(domain.name);
  for (auto kind :
       {ListenerKind::submission, ListenerKind::smtps, ListenerKind::relay, ListenerKind::inbound}) {
    smtp::SessionConfig& s = settings->sessions[kind];
    s.kind = kind;
    s.hostname = config.server.hostname.empty() ? config::machine_hostname() : config.server.hostname;
    s.limits = config.server.limits;
    s.tls_available = settings->tls != nullptr && kind != ListenerKind::smtps;
    s.plaintext_auth_on_loopback = config.server.auth.plaintext_on_loopback;
    s.relay_domains = relay_domains;
    s.untrusted_routing_domains = untrusted_routing_domains;
    if (metrics)
      s.on_refusal = [metrics](smtp::SmtpError e) { ++metrics->refusals[static_cast<std::size_t>(e)]; };
    s.campaigns = campaigns;
    s.check_suppression = config.campaigns.check_suppression;
    s.inbound_policy = inbound != nullptr;  // a stranger's mail to a relay domain meets it on any listener
  }
  return settings;
}

SmtpServer::SmtpServer(asio::io_context& io, spool::Spool& spool, auth::UserStore& users,
                       asio::thread_pool& blocking, asio::thread_pool& signing, Metrics& metrics,
                       std::shared_ptr<const ServerSettings> settings, InboundRuntime* inbound)
    : io_(io),
      spool_(spool),
      users_(users),
      blocking_(blocking),
      signing_(signing),
      metrics_(metrics),
      inbound_(inbound),
      settings_(std::move(settings)) {
  const auto& limits = settings_->config.server.limits;
  auth_limiter_ =
      std::make_unique<auth::AuthRateLimiter>(limits.max_auth_failures, limits.auth_failure_window);
}

SmtpServer::~SmtpServer() = default;

std::shared_ptr<const ServerSettings> SmtpServer::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

void SmtpServer::apply(std::shared_ptr<const ServerSettings> settings) {
  std::lock_guard lock(mutex_);
  settings_ = std::move(settings);
}

std::string SmtpServer::listen(const std::vector<config::Listener>& listeners) {
  for (const auto& listener : listeners) {
    auto listening = std::make_unique<Listening>();
    listening->listener = listener;
    asio::error_code ec;
    tcp::endpoint endpoint(asio::ip::make_address(listener.address, ec), listener.port);
    auto acceptor = std::make_unique<tcp::acceptor>(io_);
    if (!ec) acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return "cannot listen on " + listener.address + " port " + std::to_string(listener.port) + " (" +
             std::string(to_string(listener.kind)) + "): " + ec.message() +
             "; free the port or change [[server.listener]] in the configuration";
    listening->acceptor = std::move(acceptor);
    listening_.push_back(std::move(listening));
  }
  return "";
}

void SmtpServer::start() {
  for (auto& listening : listening_) {
    log::info("listener.started", {{"address", listening->listener.address},
                                   {"port", listening->listener.port},
                                   {"kind", to_string(listening->listener.kind)}});
    asio::co_spawn(io_, accept_loop(*listening), asio::detached);
  }
}

void SmtpServer::drain() {
  std::set<std::shared_ptr<Connection>> connections;
  {
    std::lock_guard lock(mutex_);
    draining_ = true;
    connections = connections_;
  }
  for (auto& listening : listening_) {
    asio::error_code ignored;
    asio::post(listening->acceptor->get_executor(), [a = listening->acceptor.get()] {
      asio::error_code ec;
      a->close(ec);
    });
  }
  for (const auto& c : connections)
    asio::post(c->stream.get_executor(), [c] {
      c->drain_requested = true;
      asio::error_code ignored;
      if (c->reading_command) c->stream.lowest_layer().cancel(ignored);
    });
}

bool SmtpServer::admit(const std::string& address, const smtp::SessionLimits& limits) {
  std::lock_guard lock(mutex_);
  unsigned& mine = per_ip_[address];
  if (draining_ || total_ >= limits.max_connections || mine >= limits.max_connections_per_ip) {
    if (mine == 0) per_ip_.erase(address);
    return false;
  }
  ++mine;
  ++total_;
  return true;
}

void SmtpServer::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  if (auto it = per_ip_.find(address); it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
  --total_;
}

bool SmtpServer::trusted(const asio::ip::address& address, const ServerSettings& settings) const {
  for (const auto& network : settings.config.server.trusted_networks)
    if (network.contains(address)) return true;
  return false;
}

awaitable<void> SmtpServer::accept_loop(Listening& listening) {
  for (;;) {
    asio::error_code ec;
    tcp::socket socket(asio::make_strand(io_));
    co_await listening.acceptor->async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !listening.acceptor->is_open()) co_return;
      log::warn("listener.accept_failed", {{"error", ec.message()}});
      asio::steady_timer pause(io_, std::chrono::milliseconds(100));  // EMFILE and friends: back off
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    auto current = settings();
    auto* tls = current->tls ? current->tls.get() : &unused_tls_context();
    auto connection = std::make_shared<Connection>(std::move(socket), *tls);
    auto executor = connection->stream.get_executor();
    ++active_;
    asio::co_spawn(executor, session(connection, listening.listener.kind), [this](std::exception_ptr e) {
      --active_;
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& error) {
        log::error("session.failed", {{"error", error.what()}});
      }
    });
  }
}

spool::Envelope SmtpServer::envelope_for(const smtp::ServerSession& session, const ServerSettings& settings,
                                         ListenerKind kind) const {
  spool::Envelope e;
  const auto& t = session.transaction();
  e.sender = t.sender;
  e.received_at =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  e.client_address = session.client().address;
  e.helo = session.helo();
  e.auth_user = session.user() ? session.user()->name : "";
  e.listener = std::string(to_string(kind));
  e.ret = static_cast<std::uint8_t>(t.ret);
  e.envid = t.envid.value_or("");
  for (std::size_t i = 0; i < t.recipients.size(); ++i) {
    const auto& rcpt = t.recipients[i];
    spool::Recipient r{rcpt, {}, t.recipient_dsn[i].notify, t.recipient_dsn[i].orcpt.value_or("")};
    // A relay domain's mail goes to its backends whichever listener took it: its MX is us (a loop). The
    // route names the domain (its backend group: the engine picks a backend per attempt); spools of older
    // versions name one backend as HOST:PORT, which the engine still follows.
    std::string domain = smtp::mailbox_domain(rcpt);
    if (const auto* inbound = settings.config.inbound.domain(domain); inbound && !inbound->backends.empty())
      r.state.route = {spool::RouteKind::backend, inbound->name};
    e.recipients.push_back(std::move(r));
  }
  return e;
}

awaitable<void> SmtpServer::session(std::shared_ptr<Connection> c, ListenerKind kind) {
  auto settings = this->settings();
  const smtp::SessionConfig& config = settings->sessions.at(kind);
  const auto& limits = config.limits;
  asio::error_code ec;
  auto remote = c->stream.lowest_layer().remote_endpoint(ec);
  if (ec) co_return;
  asio::ip::address address = remote.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  c->address = address.to_string();
  std::string out;
  inbound::ClientRefusal connect_refusal = inbound::ClientRefusal::none;
  std::optional<smtp::SmtpError> refusal;
  std::optional<std::string> listed;
  asio::awaitable<std::optional<std::string>> lookup;
  struct Disconnect {  // the client's connection ends: its concurrent count goes down
    inbound::ClientLimiter* limiter = nullptr;
    asio::ip::address address;
    ~Disconnect() {
      if (limiter) limiter->disconnect(address);
    }
  } disconnect;

  if (!admit(c->address, limits)) {
    ++metrics_.connections_refused;
    out = smtp::reply_for(smtp::SmtpError::too_many_connections).format();
    arm(c, std::chrono::seconds(10));
    co_await write_all(*c, out);
    co_return;
  }
  struct Release {
    SmtpServer* server;
    std::shared_ptr<Connection> c;
    ~Release() {
      server->release(c->address);
      std::lock_guard lock(server->mutex_);
      server->connections_.erase(c);
    }
  } release{this, c};
  {
    std::lock_guard lock(mutex_);
    connections_.insert(c);
  }
  ++metrics_.sessions;

  smtp::ClientInfo client{c->address, trusted(address, *settings), address.is_loopback(), false, "", {}};
  // The inbound side's connect checks: the client's connection limits, then the DNSBLs.
  if (kind == ListenerKind::inbound && inbound_ && !client.trusted) {
    connect_refusal = inbound_->limiter.connect(address);
    if (connect_refusal != inbound::ClientRefusal::none) {
      refusal = connect_refusal == inbound::ClientRefusal::connection_rate ? smtp::SmtpError::client_connection_rate
                                                                          : smtp::SmtpError::too_many_connections;
      ++metrics_.refusals[static_cast<std::size_t>(*refusal)];
      log::info("inbound.client_limited", {{"client", c->address}, {"reason", smtp::to_string(*refusal)}});
      out = smtp::reply_for(*refusal).format();
      arm(c, std::chrono::seconds(10));
      co_await write_all(*c, out);
      co_return;
    }
    disconnect.limiter = &inbound_->limiter;
    disconnect.address = address;
    client.admit_message = [limiter = &inbound_->limiter, address]() -> std::optional<smtp::SmtpError> {
        switch (limiter->message(address)) {
          case inbound::ClientRefusal::none: return std::nullopt;
          case inbound::ClientRefusal::byte_rate: return smtp::SmtpError::client_byte_rate;
          default: return smtp::SmtpError::client_message_rate;
        }
      };
    if (settings->inbound && !settings->config.inbound.dnsbl_zones.empty()) {
      arm(c, std::chrono::seconds(60));
      lookup = settings->inbound->blocklisted(inbound_->resolver, address);
      listed = co_await asio::co_spawn(inbound_->dns_io, std::move(lookup), use_awaitable);
      if (listed) {
        ++metrics_.refusals[static_cast<std::size_t>(smtp::SmtpError::client_blocklisted)];
        log::info("inbound.blocklisted", {{"client", c->address}, {"list", *listed}});
        out = smtp::reply_for(smtp::SmtpError::client_blocklisted,
                              "Service unavailable; client [" + c->address + "] blocked using " + *listed)
                  .format();
        arm(c, std::chrono::seconds(10));
        co_await write_all(*c, out);
        co_return;
      }
    }
  }
  if (kind == ListenerKind::smtps) {
    if (!settings->tls) co_return;
    arm(c, limits.tls_handshake_timeout);
    co_await c->stream.async_handshake(asio::ssl::stream_base::server,
                                       asio::redirect_error(use_awaitable, ec));
    if (ec) {
      log::debug("session.tls_failed", {{"client", c->address}, {"error", ec.message()}});
      co_return;
    }
    c->tls = true;
    client.tls_active = true;
    client.tls_description = describe_tls(c->stream.native_handle());
  }

  Live live{c,
            settings,
            kind,
            smtp::ServerSession(config, client),
            smtp::LineReader(limits.max_command_line),
            std::vector<char>(16 * 1024),
            std::string(),
            std::nullopt,
            smtp::Step{},
            address,
            disconnect.limiter != nullptr};
  live.out = live.session.greeting().format();
  log::debug("session.started", {{"client", c->address}, {"kind", to_string(kind)}});
  co_await converse(live);
}

// GCC 12 may destroy a coroutine's block-scoped locals twice (once at their scope's end, again at the
// coroutine's end), so the session's state lives in Live and these coroutines keep their locals at
// function scope.
awaitable<void> SmtpServer::converse(Live& s) {
  const auto& limits = s.settings->sessions.at(s.kind).limits;
  asio::error_code ec;
  std::size_t n = 0;
  for (;;) {
    for (;;) {
      s.line = s.lines.next();
      if (!s.line) break;
      s.step = s.session.on_line(*s.line);
      if (!co_await perform(s)) co_return;
    }
    arm(s.c, limits.command_timeout);
    if (!co_await write_all(*s.c, s.out)) co_return;
    // Checked after the write: a drain that arrived during it could not cancel a read not yet started.
    if (s.c->drain_requested) {
      s.step = s.session.on_shutdown();
      co_await finish(s);
      co_return;
    }
    s.c->reading_command = true;
    n = co_await read_client(s, ec);
    s.c->reading_command = false;
    if (ec) {
      if (s.c->drain_requested || s.c->timed_out) {
        s.step = s.c->drain_requested ? s.session.on_shutdown() : s.session.on_timeout();
        co_await finish(s);
      }
      co_return;
    }
    s.lines.feed(std::string_view(s.buffer.data(), n));
  }
}

// Adds s.step's reply to the output and does what it says; false when the session is over.
awaitable<bool> SmtpServer::perform(Live& s) {
  if (s.step.reply) s.out += s.step.reply->format();
  switch (s.step.next) {
    case smtp::Next::read_command:
    case smtp::Next::store:
      co_return true;
    case smtp::Next::close:
      s.step = smtp::Step{};
      co_await finish(s);
      co_return false;
    case smtp::Next::start_tls:
      co_return co_await start_tls(s);
    case smtp::Next::verify_auth:
      co_return co_await verify_auth(s);
    case smtp::Next::check_recipient:
      co_return co_await check_recipient(s);
    case smtp::Next::read_data:
      co_return co_await receive_data(s);
  }
  co_return false;
}

awaitable<void> SmtpServer::finish(Live& s) {
  asio::error_code ec;
  if (s.step.reply) s.out += s.step.reply->format();
  arm(s.c, std::chrono::seconds(10));
  co_await write_all(*s.c, s.out);
  if (s.c->tls) {
    arm(s.c, std::chrono::seconds(5));
    co_await s.c->stream.async_shutdown(asio::redirect_error(use_awaitable, ec));
  }
}

awaitable<bool> SmtpServer::start_tls(Live& s) {
  const auto& limits = s.settings->sessions.at(s.kind).limits;
  asio::error_code ec;
  arm(s.c, limits.command_timeout);
  if (!co_await write_all(*s.c, s.out)) co_return false;
  // CVE-2011-0411: anything the client pipelined after STARTTLS was sent in the clear; drop it.
  s.lines.discard_buffered();
  arm(s.c, limits.tls_handshake_timeout);
  co_await s.c->stream.async_handshake(asio::ssl::stream_base::server,
                                       asio::redirect_error(use_awaitable, ec));
  if (ec) co_return false;
  s.c->tls = true;
  s.session.on_tls_started(describe_tls(s.c->stream.native_handle()));
  co_return true;
}

awaitable<bool> SmtpServer::verify_auth(Live& s) {
  std::optional<auth::User> user;
  smtp::AuthAttempt attempt = s.session.auth_attempt();
  std::function<std::optional<auth::User>()> verify = [users = &users_, &attempt] {
    return users->authenticate(attempt.user, attempt.password);
  };
  bool blocked = auth_limiter_->blocked(s.c->address);
  if (!blocked) {
    user = co_await async_run<std::optional<auth::User>>(blocking_, verify);
    if (user)
      log::info("auth.ok", {{"client", s.c->address}, {"user", user->name}});
    else
      log::warn("auth.failed", {{"client", s.c->address}, {"user", attempt.user}});
    if (!user) auth_limiter_->record_failure(s.c->address);
    ++(user ? metrics_.auth_successes : metrics_.auth_failures);
  }
  s.step = s.session.on_auth_result(std::move(user), blocked);
  co_return co_await perform(s);
}

awaitable<bool> SmtpServer::receive_data(Live& s) {
  const auto& limits = s.settings->sessions.at(s.kind).limits;
  asio::error_code ec;
  std::size_t n = 0;
  smtp::DataReader data(limits.max_message_bytes, limits.max_text_line);
  std::string pending;
  std::size_t used = 0;
  spool::Envelope envelope;
  std::string message;
  StoreResult stored;
  dkim::Result<std::string> signature;
  std::shared_ptr<const dkim::Signer> signer;
  if (s.kind != ListenerKind::inbound) signer = s.settings->signer;
  bool unsubscribed = false;
  smtp::BounceIntake bounce_intake = smtp::BounceIntake::ignored;
  std::function<smtp::BounceIntake()> consume_bounce = [&s] {
    const auto& transaction = s.session.transaction();
    smtp::BounceMail mail{s.c->address, transaction.sender, transaction.bounce_mailboxes, transaction.message};
    return s.settings->sessions.at(s.kind).campaigns->consume_bounce(mail);
  };
  std::function<bool()> record_unsubscribes = [&s] {
    bool all = true;
    for (const auto& mailbox : s.session.transaction().unsubscribes)
      all = s.settings->sessions.at(s.kind).campaigns->unsubscribe_by_mail(mailbox) && all;
    return all;
  };

  arm(s.c, limits.command_timeout);
  if (!co_await write_all(*s.c, s.out)) co_return false;
  pending = s.lines.take_buffered();
  used = data.feed(pending);
  while (!data.done()) {
    arm(s.c, limits.data_timeout);
    n = co_await read_client(s, ec);
    if (ec) break;
    pending.assign(s.buffer.data(), n);
    used = data.feed(pending);
  }
  if (ec) {
    if (s.c->timed_out) {
      s.step = s.session.on_timeout();
      co_await finish(s);
    }
    co_return false;
  }
  s.lines.feed(std::string_view(pending).substr(used));
  s.step = s.session.on_data(data);
  if (s.step.next == smtp::Next::store && !s.session.transaction().unsubscribes.empty()) {
    // Mail to our unsubscribe mailboxes: recorded (a SQLite write, on the blocking pool), never stored.
    unsubscribed = co_await async_run<bool>(blocking_, record_unsubscribes);
    log::info("unsubscribe.mail", {{"client", s.c->address},
                                   {"mailboxes", s.session.transaction().unsubscribes.size()},
                                   {"recorded", unsubscribed}});
    if (!unsubscribed || s.session.transaction().recipients.empty())
      s.step = s.session.on_unsubscribed(unsubscribed);
  }
  if (s.step.next == smtp::Next::store && !s.session.transaction().bounce_mailboxes.empty()) {
    // Mail to our bounce domains: parsed and recorded (SQLite, on the blocking pool), never stored.
    bounce_intake = co_await async_run<smtp::BounceIntake>(blocking_, consume_bounce);
    log::info("bounce.mail", {{"client", s.c->address},
                              {"mailboxes", s.session.transaction().bounce_mailboxes.size()},
                              {"recorded", bounce_intake != smtp::BounceIntake::failed}});
    if (bounce_intake == smtp::BounceIntake::failed || s.session.transaction().recipients.empty())
      s.step = s.session.on_bounce_consumed(bounce_intake);
  }
  if (s.step.next == smtp::Next::store && inbound_applies(s)) co_await inbound_content(s);
  if (s.step.next == smtp::Next::store && signer) {
    // Signed before it is spooled (docs/architecture.md, "DKIM signing"), on the signing pool.
    auto sign = [signer, &s]() { return signer->sign(s.session.transaction().message); };
    signature = co_await async_run<dkim::Result<std::string>>(signing_, sign);
    if (signature.ok()) {
      s.session.transaction().message.insert(0, *signature);
      ++metrics_.messages_signed;
    } else {
      log::warn("dkim.sign_failed", {{"client", s.c->address}, {"error", signature.error()}});
      s.step = s.session.on_refused(550, "5.6.0", "Message cannot be DKIM-signed: " + signature.error());
    }
  }
  if (s.step.next == smtp::Next::store) {
    envelope = envelope_for(s.session, *s.settings, s.kind);
    message = std::move(s.session.transaction().message);
    stored = co_await async_store(spool_, envelope, message);
    if (stored.error)
      log::error("spool.store_failed", {{"client", s.c->address}, {"error", stored.error.message()}});
    else
      log::info("message.accepted", {{"id", stored.id.to_string()},
                                     {"client", s.c->address},
                                     {"recipients", s.session.transaction().recipients.size()}});
    // A full disk or quota is "mail system full" (RFC 3463 4.3.1), not a local error.
    bool full = stored.error == std::errc::no_space_on_device ||
                (stored.error.category() == std::generic_category() && stored.error.value() == EDQUOT);
    s.step = s.session.on_stored(!stored.error, stored.id.to_string(),
                                 full ? smtp::SmtpError::mail_system_full : smtp::SmtpError::spool_failure);
  }
  ++(s.step.reply && s.step.reply->code == 250 ? metrics_.messages_accepted : metrics_.messages_refused);
  co_return co_await perform(s);
}

awaitable<std::size_t> SmtpServer::read_client(Live& s, asio::error_code& ec) {
  std::size_t n = 0;
  std::chrono::milliseconds delay{0};
  asio::error_code ignored;
  asio::steady_timer pause(s.c->stream.get_executor());
  n = co_await read_some(*s.c, s.buffer.data(), s.buffer.size(), ec);
  if (!ec && n > 0 && s.limited) delay = inbound_->limiter.read(s.address, n);
  if (delay.count() > 0) {
    // Over its byte rate: the next read waits (TCP's window then slows the client), nothing fails.
    pause.expires_after(delay);
    co_await pause.async_wait(asio::redirect_error(use_awaitable, ignored));
  }
  co_return n;
}

bool SmtpServer::inbound_applies(const Live& s) const {
  return inbound_ && s.settings->inbound && !s.session.transaction().inbound_domain.empty();
}

awaitable<bool> SmtpServer::check_recipient(Live& s) {
  std::optional<inbound::Refusal> refusal;
  std::shared_ptr<inbound::InboundPolicy> policy = s.settings->inbound;
  const smtp::PendingRecipient& pending = *s.session.pending_recipient();
  const config::InboundDomain* domain = s.settings->config.inbound.domain(pending.domain);
  std::function<std::optional<inbound::Refusal>()> check = [policy, domain, client = s.c->address,
                                                            sender = s.session.transaction().sender,
                                                            recipient = pending.address] {
    return policy->check_recipient(*domain, client, sender, recipient);
  };
  if (policy && domain && inbound_)
    refusal = co_await async_run<std::optional<inbound::Refusal>>(inbound_->workers, check);
  if (refusal) {
    log::info("inbound.recipient_refused", {{"client", s.c->address},
                                            {"recipient", pending.address},
                                            {"reason", smtp::to_string(refusal->error)}});
    s.step = s.session.on_recipient_checked(refusal->error, refusal->text);
  } else {
    s.step = s.session.on_recipient_checked(std::nullopt);
  }
  co_return co_await perform(s);
}

awaitable<void> SmtpServer::inbound_content(Live& s) {
  std::shared_ptr<inbound::InboundPolicy> policy = s.settings->inbound;
  const config::InboundDomain* domain = s.settings->config.inbound.domain(s.session.transaction().inbound_domain);
  inbound::MessageContext context{s.c->address, s.session.helo(), s.session.transaction().sender,
                                  s.session.transaction().recipients};
  inbound::ScanResult scanned;
  inbound::AuthenticationResult authenticated;
  inbound::Verdict verdict;
  asio::awaitable<inbound::AuthenticationResult> authenticate;
  std::string score_text;
  std::string_view message = s.session.transaction().message;
  std::function<inbound::ScanResult()> scan = [policy, domain, &context, message] {
    return policy->scan(*domain, context, message);
  };
  if (!domain) co_return;
  if (s.limited && inbound_->limiter.over_byte_budget(s.address)) {
    s.step = s.session.on_content_refused(smtp::SmtpError::client_byte_rate);
    co_return;
  }
  scanned = co_await async_run<inbound::ScanResult>(inbound_->workers, scan);
  if (!scanned.refusal) {
    authenticate = policy->authenticate(inbound_->resolver, inbound_->verifier, context, message);
    authenticated = co_await asio::co_spawn(inbound_->dns_io, std::move(authenticate), use_awaitable);
  }
  verdict = scanned.refusal ? inbound::Verdict{inbound::Verdict::Kind::refuse, scanned.refusal, ""}
                            : policy->finish(*domain, scanned, authenticated, s.session.transaction().message);
  policy->count(verdict);
  if (scanned.spam_scanned) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", scanned.spam_score);
    score_text = buffer;
  }
  log::info("inbound.verdict", {{"client", s.c->address},
                                {"domain", domain->name},
                                {"verdict", verdict.kind == inbound::Verdict::Kind::accept    ? "accept"
                                            : verdict.kind == inbound::Verdict::Kind::discard ? "discard"
                                                                                              : "refuse"},
                                {"reason", verdict.refusal ? smtp::to_string(verdict.refusal->error) : ""},
                                {"spam_score", score_text},
                                {"spam_level", verdict.level}});
  if (verdict.kind == inbound::Verdict::Kind::refuse && verdict.refusal)
    s.step = s.session.on_content_refused(verdict.refusal->error, verdict.refusal->text);
  else if (verdict.kind == inbound::Verdict::Kind::discard)
    s.step = s.session.on_discarded();  // answered 250, never stored
}

}  // namespace mta::server
