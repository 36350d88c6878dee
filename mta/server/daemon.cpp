#include "mta/server/daemon.hpp"

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>
#include <utility>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>

#include "dkim/verifier.hpp"
#include "dns/resolver/network_resolver.hpp"
#include "mta/auth/user_store.hpp"
#include "mta/inbound/inbound_metrics.hpp"
#include "mta/inbound/limits/client_limiter.hpp"
#include "mta/config/config_writer.hpp"
#include "mta/config/dns_settings.hpp"
#include "mta/delivery/accounting_log.hpp"
#include "mta/log/log.hpp"
#include "mta/queue/engine.hpp"
#include "mta/queue/mx_router.hpp"
#include "mta/queue/notifying_spool.hpp"
#include "mta/queue/router.hpp"
#include "mta/queue/signing_spool.hpp"
#include "mta/server/control_socket.hpp"
#include "mta/server/metrics.hpp"
#include "mta/server/smtp_server.hpp"
#include "mta/server/tls_context.hpp"
#include "mta/spool/segment_spool.hpp"
#include "mta/spool/spool_errc.hpp"

namespace mta::server {
namespace {

constexpr auto kDrainTimeout = std::chrono::seconds(30);

std::shared_ptr<asio::ssl::context> load_tls(const config::Config& config, std::string& error,
                                             TlsFiles* loaded = nullptr) {
  std::string hostname = config.server.hostname.empty() ? config::machine_hostname() : config.server.hostname;
  auto files = tls_files(config.server.tls.certificate, config.server.tls.key, config.spool.directory,
                         hostname, error);
  if (!error.empty()) return nullptr;
  if (loaded) *loaded = files;
  return make_server_tls_context(files, error);
}

// The DKIM signer for the [dkim] sign table: every key loaded (and its permissions checked) once, here.
// Null without rules. On a bad key or table, error names the file and what to do.
std::shared_ptr<const dkim::Signer> load_signer(const config::Config& config, std::string& error) {
  if (config.dkim.sign.empty()) return nullptr;
  dkim::SignerOptions options;
  if (auto canonicalization = dkim::parse_canonicalization(config.dkim.canonicalization))
    options.canonicalization = *canonicalization;
  options.expire_after = config.dkim.expire_after;
  auto signer = dkim::Signer::create(dkim::SigningTable(config.dkim.sign), options);
  if (!signer) {
    error = signer.error();
    return nullptr;
  }
  return std::shared_ptr<const dkim::Signer>(std::move(*signer));
}

// The parts of the configuration a SIGHUP cannot change in a running daemon, by name: those that differ
// between running and next (the reload applies the rest and logs these as needing a restart).
std::vector<std::string> needs_restart(const config::Config& running, const config::Config& next) {
  auto a = config::to_toml(running), b = config::to_toml(next);
  std::vector<std::string> changed;
  auto differs = [&](std::string_view path) {
    auto x = a.at_path(path), y = b.at_path(path);
    return x != y;
  };
  for (std::string_view path :
       {"server.listener", "spool", "admin", "campaigns", "web", "bounces", "delivery.accounting_log"})
    if (differs(path)) changed.emplace_back(path);
  return changed;
}

void fail(const std::string& message) {
  std::cerr << "relayctl: error: " << message << "\n";
}

// Unix seconds for greylisting and the probe cache. RELAYCTL_TEST_CLOCK_OFFSET (seconds, for tests and demos
// that show greylisting pass without waiting minutes) moves it forward; it is logged when set.
std::function<std::int64_t()> inbound_clock() {
  std::int64_t offset = 0;
  if (const char* text = std::getenv("RELAYCTL_TEST_CLOCK_OFFSET")) {
    offset = std::strtoll(text, nullptr, 10);
    log::warn("serve.test_clock", {{"offset_seconds", offset}, {"note", "the inbound clock is moved for tests"}});
  }
  return [offset] {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
               .count() +
           offset;
  };
}

// The inbound chain for a configuration with relay domains; null without (or on error, then set).
std::shared_ptr<inbound::InboundPolicy> make_inbound_policy(const config::Config& config,
                                                            const std::function<std::int64_t()>& clock,
                                                            std::string& error) {
  if (config.inbound.domains.empty()) return nullptr;
  return inbound::InboundPolicy::create(config, clock, error);
}

}  // namespace

int run_daemon(const config::Config& initial, const ConfigReloader& reload,
               const CampaignStarter& campaigns) {
  std::signal(SIGPIPE, SIG_IGN);
  std::error_code ec;
  spool::RecoveryReport recovery;
  auto spool = spool::SegmentSpool::open({initial.spool.directory}, ec, &recovery);
  if (!spool) {
    fail(initial.spool.directory.string() + ": cannot open the spool: " + ec.message() +
         (ec == spool::spool_errc::newer_format
              ? "; run the relayctl version that wrote it (or a newer one): nothing in the spool was changed"
              : "; check [spool] directory and its permissions"));
    return 2;
  }
  log::info("spool.recovered", {{"directory", initial.spool.directory.string()},
                                {"messages", recovery.messages},
                                {"segments", recovery.segments},
                                {"torn_bytes", recovery.torn_bytes},
                                {"unacknowledged_bytes", recovery.unacknowledged_bytes}});

  std::string error;
  auto users = auth::UserStore::open(initial.campaigns.database, error);
  if (!users) {
    fail("cannot open the user database: " + error + "; check [campaigns] database");
    return 2;
  }
  TlsFiles tls_paths;
  auto tls = load_tls(initial, error, &tls_paths);
  if (!tls) {
    fail("TLS: " + error);
    return 2;
  }
  auto signer = load_signer(initial, error);
  if (!error.empty()) {
    fail("DKIM: " + error);
    return 2;
  }
  // The inbound side: its policy chain (recipient lists, greylist, scanners), a worker pool for its
  // blocking checks, one DNS thread with its own resolver (DNSBL, SPF, DKIM, DMARC), the per-client limits.
  auto clock = inbound_clock();
  auto inbound_policy = make_inbound_policy(initial, clock, error);
  if (!error.empty()) {
    fail("inbound: " + error);
    return 2;
  }
  auto verifier = dkim::Verifier::create();
  if (!verifier.ok()) {
    fail("DKIM verifier: " + verifier.error());
    return 2;
  }
  asio::io_context inbound_dns_io;
  auto inbound_dns_work = asio::make_work_guard(inbound_dns_io);
  dns::NetworkResolver inbound_resolver(inbound_dns_io.get_executor(), config::resolver_options(initial.dns));
  inbound::ClientLimiter limiter(initial.inbound.limits);
  asio::thread_pool inbound_workers(16);
  InboundRuntime inbound_runtime{inbound_workers, inbound_dns_io, inbound_resolver, **verifier, limiter};
  std::mutex inbound_mutex;  // current_inbound: the policy sessions start with now, for /metrics
  std::shared_ptr<inbound::InboundPolicy> current_inbound = inbound_policy;

  // Delivery runs on its own event loop and thread; the server and the control socket reach it through a
  // spool that tells it about new work.
  std::error_code dir_error;
  std::filesystem::create_directories(initial.delivery.accounting_log.parent_path(), dir_error);
  delivery::AccountingLog accounting(initial.delivery.accounting_log);
  asio::io_context delivery_io;
  auto delivery_work = asio::make_work_guard(delivery_io);
  dns::NetworkResolver resolver(delivery_io.get_executor(), config::resolver_options(initial.dns));
  queue::MxRouter mx_router(resolver);
  queue::StaticRouter router(initial.delivery.routes, &resolver, &mx_router);
  // DKIM: sessions sign what they accept; the engine's DSNs are signed by the spool it stores them through.
  asio::thread_pool signing(std::max(1u, std::thread::hardware_concurrency()));
  std::mutex signer_mutex;
  std::shared_ptr<const dkim::Signer> current_signer = signer;
  queue::SigningSpool engine_spool(*spool, signing, [&] {
    std::lock_guard lock(signer_mutex);
    return current_signer;
  });
  // Campaigns before anything runs: the engine asks them for a campaign message's pool.
  Metrics metrics;
  CampaignServices services;
  if (campaigns) {
    services = campaigns(initial, tls_paths, metrics, error);
    if (!error.empty()) {
      fail(error);
      return 2;
    }
  }
  auto stop_services = [&services] {
    if (services.stop) std::exchange(services.stop, nullptr)();
  };
  queue::EngineOptions options = queue::engine_options(initial);
  if (auto hooks = services.hooks)
    options.requested_pool = [hooks](const spool::Envelope& envelope) {
      return hooks->campaign_pool(envelope.sender).value_or("");
    };
  options.on_attempt = services.on_attempt;
  if (auto hooks = services.hooks; hooks && services.on_attempt)
    options.bounces_recorded = [hooks](const spool::Envelope& envelope) {
      return !envelope.sender.empty() && hooks->campaign_pool(envelope.sender).has_value();
    };
  queue::DeliveryEngine engine(delivery_io.get_executor(), engine_spool, router, std::move(options),
                               &accounting);
  asio::co_spawn(delivery_io, engine.run(), asio::detached);  // runs once the delivery thread starts
  queue::NotifyingSpool notifying(*spool, [&engine](spool::QueueId id) { engine.submit(id); });

  asio::io_context io;
  // Before anything listens: a SIGTERM that arrives once clients can connect is queued, not fatal.
  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  asio::thread_pool blocking(2);
  SmtpServer server(io, notifying, *users, blocking, signing, metrics,
                    make_settings(initial, tls, signer, &metrics, services.hooks, inbound_policy),
                    &inbound_runtime);
  if (auto problem = server.listen(initial.server.listeners); !problem.empty()) {
    fail(problem);
    stop_services();
    return 2;
  }
  ControlServer control(io, notifying, blocking);
  if (auto problem = control.listen(control_socket_path(initial.spool.directory)); !problem.empty()) {
    fail(problem);
    stop_services();
    return 2;
  }
  AdminServer admin(io, metrics, *spool, &engine);
  if (initial.admin.metrics_listen) {
    if (auto problem = admin.listen(*initial.admin.metrics_listen); !problem.empty()) {
      fail(problem);
      stop_services();
      return 2;
    }
    admin.add_section([&limiter, &inbound_mutex, &current_inbound] {
      std::shared_ptr<inbound::InboundPolicy> policy;
      {
        std::lock_guard lock(inbound_mutex);
        policy = current_inbound;
      }
      return inbound::render_inbound_metrics(limiter, policy.get());
    });
    admin.start();
  }
  std::thread delivery_thread([&] { delivery_io.run(); });  // only now: every early return is above
  std::thread inbound_dns_thread([&] { inbound_dns_io.run(); });
  server.start();
  control.start();

  config::Config running = initial;  // what SIGHUP compares the file with
  asio::steady_timer drain_timer(io);
  bool draining = false;
  std::function<void()> wait_for_signal;
  std::function<void()> check_drained;
  auto drain_deadline = std::chrono::steady_clock::now();
  check_drained = [&] {
    if (server.active_sessions() == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
      log::info("serve.stopped", {{"sessions_left", server.active_sessions()}});
      io.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(50));
    drain_timer.async_wait([&](std::error_code) { check_drained(); });
  };
  wait_for_signal = [&] {
    signals.async_wait([&](std::error_code e, int signal) {
      if (e) return;
      if (signal == SIGHUP) {
        log::info("serve.reloading");
        if (auto ec = accounting.reopen())
          log::error("accounting_log.reopen_failed", {{"error", ec.message()}});
        if (auto next = reload()) {
          std::string tls_error, dkim_error;
          auto next_tls = load_tls(*next, tls_error);
          auto next_signer = next_tls ? load_signer(*next, dkim_error) : nullptr;
          std::string inbound_error;
          auto next_inbound = next_tls && dkim_error.empty() ? make_inbound_policy(*next, clock, inbound_error)
                                                             : nullptr;
          if (!next_tls) {
            log::error("serve.reload_failed", {{"error", tls_error}});
          } else if (!dkim_error.empty()) {
            log::error("serve.reload_failed", {{"error", "DKIM: " + dkim_error}});
          } else if (!inbound_error.empty()) {
            log::error("serve.reload_failed", {{"error", "inbound: " + inbound_error}});
          } else {
            config::Config applied = *next;
            applied.campaigns = running.campaigns;  // at a restart, as needs_restart() tells the operator
            server.apply(make_settings(applied, next_tls, next_signer, &metrics, services.hooks, next_inbound));
            limiter.apply(next->inbound.limits);
            {
              std::lock_guard lock(inbound_mutex);
              current_inbound = next_inbound;
            }
            asio::post(inbound_dns_io, [&inbound_resolver, dns = config::resolver_options(next->dns)]() mutable {
              inbound_resolver.set_options(std::move(dns));
            });
            {
              std::lock_guard lock(signer_mutex);
              current_signer = next_signer;
            }
            // Delivery: resolver, routes and the engine's options, on the delivery thread, in this order.
            asio::post(delivery_io, [&router, &resolver, routes = next->delivery.routes,
                                     dns = config::resolver_options(next->dns)]() mutable {
              resolver.set_options(std::move(dns));
              router.set_routes(std::move(routes));
            });
            engine.reconfigure(queue::engine_options(*next));
            std::string restart;
            for (const auto& part : needs_restart(running, *next))
              restart += (restart.empty() ? "" : ", ") + part;
            if (!restart.empty())
              log::warn("serve.restart_needed",
                        {{"changed", restart}, {"note", "these take effect at the next start"}});
            running = std::move(*next);
            log::info("serve.reloaded");
          }
        } else {
          log::error("serve.reload_failed", {{"error", "configuration has errors; keeping the running one"}});
        }
        wait_for_signal();
        return;
      }
      if (draining) return;
      draining = true;
      log::info("serve.draining", {{"signal", signal}, {"sessions", server.active_sessions()}});
      server.drain();
      control.stop();
      admin.stop();
      stop_services();
      drain_deadline = std::chrono::steady_clock::now() + kDrainTimeout;
      check_drained();
    });
  };
  wait_for_signal();
  log::info("serve.started", {{"hostname", make_settings(initial, tls)->sessions.begin()->second.hostname},
                              {"spool", initial.spool.directory.string()},
                              {"queued", recovery.messages}});

  std::vector<std::thread> threads;
  unsigned count = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
  for (unsigned i = 1; i < count; ++i)
    threads.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : threads)
    t.join();
  stop_services();
  blocking.join();
  inbound_workers.join();
  inbound_dns_work.reset();
  inbound_dns_io.stop();
  inbound_dns_thread.join();
  // Delivery: transactions in progress finish (their outcome recorded, so nothing is sent twice), within
  // the same bound as SMTP sessions; what is still running then is abandoned and stays pending.
  engine.stop();
  auto delivery_deadline = std::chrono::steady_clock::now() + kDrainTimeout;
  while (engine.running_workers() > 0 && std::chrono::steady_clock::now() < delivery_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  log::info("serve.delivery_stopped",
            {{"connections_left", static_cast<std::int64_t>(engine.running_workers())}});
  delivery_work.reset();
  delivery_io.stop();
  delivery_thread.join();
  if (services.stop_events) std::exchange(services.stop_events, nullptr)();  // the engine's last events
  signing.join();  // after the engine: a DSN being signed is stored before the spool closes
  spool.reset();   // completes pending appends, joins the commit thread
  return 0;
}

}  // namespace mta::server
