// smtp_server.hpp — the SMTP listeners: an accept loop per listener and a coroutine per session on its
// own strand, driving smtp::ServerSession over a socket with a deadline before every read and a size
// bound on every buffer; STARTTLS and implicit TLS through OpenSSL; messages stored in the spool before
// the 250. Connection limits (total, per client IP) and the AUTH failure limiter are shared by all sessions.
// drain() stops accepting and closes idle sessions with 421; sessions inside a transaction finish it.
// Untrusted input: every byte from clients (handled by smtp/ with limits from [server.limits]).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/thread_pool.hpp>

#include "dkim/signer.hpp"
#include "dkim/verifier.hpp"
#include "dns/resolver/resolver.hpp"
#include "mta/inbound/inbound_policy.hpp"
#include "mta/auth/auth_rate_limiter.hpp"
#include "mta/auth/user_store.hpp"
#include "mta/config/config.hpp"
#include "mta/server/metrics.hpp"
#include "mta/smtp/server_session.hpp"
#include "mta/spool/spool.hpp"

namespace mta::inbound {
class ClientLimiter;
}

namespace mta::server {

// What sessions read; replaced as a whole on SIGHUP, so a session keeps the settings it started with.
struct ServerSettings {
  config::Config config;
  std::shared_ptr<asio::ssl::context> tls;  // null: no TLS (STARTTLS not offered, smtps refused)
  std::map<config::ListenerKind, smtp::SessionConfig> sessions;
  // Signs what submission, smtps and relay listeners accept (never inbound mail); null: no [dkim] sign rules.
  std::shared_ptr<const dkim::Signer> signer;
  // The cloaking side's policy chain for inbound listeners; null: none (relay domains accept everything).
  std::shared_ptr<inbound::InboundPolicy> inbound;
};

// What the inbound policy chain runs on, owned by the daemon and living as long as the server: a worker pool
// for its blocking checks (SQLite, backend probes, scanners), one thread with the resolver for DNS work
// (DNSBL, SPF, DKIM keys, DMARC), the DKIM verifier, and the per-client limits (state kept across SIGHUP).
struct InboundRuntime {
  asio::thread_pool& workers;
  asio::io_context& dns_io;
  dns::Resolver& resolver;
  const dkim::Verifier& verifier;
  inbound::ClientLimiter& limiter;
};
// metrics, when given, counts every refusal by reason; campaigns, when given, are asked at MAIL and RCPT.
std::shared_ptr<const ServerSettings> make_settings(const config::Config& config,
                                                    std::shared_ptr<asio::ssl::context> tls,
                                                    std::shared_ptr<const dkim::Signer> signer = nullptr,
                                                    Metrics* metrics = nullptr,
                                                    std::shared_ptr<smtp::CampaignHooks> campaigns = nullptr,
                                                    std::shared_ptr<inbound::InboundPolicy> inbound = nullptr);

class SmtpServer {
 public:
  // blocking: scrypt and spool reads; signing: DKIM signatures (CPU-bound, never on an I/O thread).
  SmtpServer(asio::io_context& io, spool::Spool& spool, auth::UserStore& users, asio::thread_pool& blocking,
             asio::thread_pool& signing, Metrics& metrics, std::shared_ptr<const ServerSettings> settings,
             InboundRuntime* inbound = nullptr);
  ~SmtpServer();

  // Binds every listener; on failure returns a message naming the address and port.
  std::string listen(const std::vector<config::Listener>& listeners);
  void start();
  void apply(std::shared_ptr<const ServerSettings> settings);
  void drain();
  std::size_t active_sessions() const { return active_.load(); }

  struct Connection;  // one client's socket, TLS stream and deadline

 private:
  struct Listening {
    config::Listener listener;
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
  };

  asio::awaitable<void> accept_loop(Listening& listening);
  struct Live {
    std::shared_ptr<Connection> c;
    std::shared_ptr<const ServerSettings> settings;
    config::ListenerKind kind;
    smtp::ServerSession session;
    smtp::LineReader lines;
    std::vector<char> buffer = std::vector<char>(16 * 1024);
    std::string out;
    std::optional<smtp::LineReader::Line> line;
    smtp::Step step;
    asio::ip::address address;  // the client's (IPv4-mapped IPv6 as IPv4)
    bool limited = false;       // the per-client limits apply (inbound listener, not exempt)
  };

  asio::awaitable<void> session(std::shared_ptr<Connection> connection, config::ListenerKind kind);
  asio::awaitable<void> converse(Live& s);
  asio::awaitable<bool> perform(Live& s);
  asio::awaitable<void> finish(Live& s);
  asio::awaitable<bool> start_tls(Live& s);
  asio::awaitable<bool> verify_auth(Live& s);
  asio::awaitable<bool> receive_data(Live& s);
  asio::awaitable<bool> check_recipient(Live& s);
  // The inbound chain at the end of DATA: scans and authenticates s's message and sets s.step to the verdict
  // (still Next::store when it is to be stored).
  asio::awaitable<void> inbound_content(Live& s);
  // Reads from the client, slowed to the client's byte rate on inbound listeners.
  asio::awaitable<std::size_t> read_client(Live& s, asio::error_code& ec);
  bool inbound_applies(const Live& s) const;
  std::shared_ptr<const ServerSettings> settings() const;
  bool admit(const std::string& address, const smtp::SessionLimits& limits);
  void release(const std::string& address);
  bool trusted(const asio::ip::address& address, const ServerSettings& settings) const;
  spool::Envelope envelope_for(const smtp::ServerSession& session, const ServerSettings& settings,
                               config::ListenerKind kind) const;

  asio::io_context& io_;
  spool::Spool& spool_;
  auth::UserStore& users_;
  asio::thread_pool& blocking_;
  asio::thread_pool& signing_;
  Metrics& metrics_;
  InboundRuntime* inbound_;
  mutable std::mutex mutex_;
  std::shared_ptr<const ServerSettings> settings_;
  std::unique_ptr<auth::AuthRateLimiter> auth_limiter_;
  std::vector<std::unique_ptr<Listening>> listening_;
  std::map<std::string, unsigned> per_ip_;
  unsigned total_ = 0;
  std::atomic<std::size_t> active_{0};
  std::set<std::shared_ptr<Connection>> connections_;
  bool draining_ = false;
};

}  // namespace mta::server
