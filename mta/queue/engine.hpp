// engine.hpp — the delivery engine: takes spooled messages to their destinations and records what
// happened. Pending recipients are grouped by domain, routed (inbound backend, static route or MX), and
// queued per destination (routes to the same hosts share one queue, its connections and its limits; a
// shaping entry matched by domain, or a TLS requirement, splits off a queue of its own). Each
// destination runs up to max_connections workers; a worker reuses its connection for up to
// max_messages_per_connection messages (at most max_recipients per transaction), takes alternately from
// fresh and retried mail so a backlog of deferred mail never starves new mail, paces sends with the
// destination's rate (GCRA) and stops while the hosts rate-limit us (back-off). Egress pools: each message is
// assigned a source (local address and EHLO name, EgressSelector) when it is dispatched; a destination keeps
// one ready queue (lane) per source, and a connection from one source only ever carries that source's
// messages, while the connection limit and the rate stay per destination. Replies: 2xx
// delivered, 5xx bounced (a DSN to the sender as its NOTIFY allows, RFC 3461, stored durably before the
// recipient is marked failed), 4xx and connection failures deferred on the retry schedule until the queue
// lifetime ends (then bounced as expired, 4.4.7). Every attempt is one line in the accounting log. Runs on
// one executor; spool completions are posted back to it. An outcome the spool cannot record (a failed
// sync, a full disk) is kept in memory and goes by that — a delivered recipient is never sent again by
// this process, a deferred one waits for its retry — and delivery pauses (1 s doubling to 1 min) until
// the spool records those outcomes again.
// The class is written in four files, one seam each: engine.cpp (scheduling: timers, dispatch, destinations,
// lanes, workers started), delivery_attempt.cpp (one worker: pacing, connect, one transaction per job),
// outcomes.cpp (replies → recipient states, DSNs, delay warnings, expiry, the next attempt) and
// spool_writes.cpp (the spool writes and the pause while it cannot record).
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>

#include "mta/bounce/dsn.hpp"
#include "mta/config/config.hpp"
#include "mta/delivery/accounting_log.hpp"
#include "mta/delivery/backoff.hpp"
#include "mta/delivery/retry.hpp"
#include "mta/delivery/smtp_client.hpp"
#include "mta/delivery/throttle.hpp"
#include "mta/queue/backend_balancer.hpp"
#include "mta/queue/egress.hpp"
#include "mta/queue/router.hpp"
#include "mta/spool/spool.hpp"

namespace mta::queue {

struct DestinationLimits {
  unsigned max_connections = 10;
  unsigned max_messages_per_connection = 100;
  unsigned max_recipients = 100;  // per transaction: more go in further transactions (jobs)
  bool require_tls = false;       // as a route's require_tls, for any route to the destination
  delivery::RateLimit rate;       // count 0: unlimited
};

// A relay domain's backends (config::InboundDomain) as the engine uses them.
struct BackendGroup {
  std::vector<config::InboundBackend> backends;
  config::BackendTls tls = config::BackendTls::opportunistic;  // required: defer rather than send in clear
  std::chrono::seconds lifetime{2 * 24 * 60 * 60};             // held this long, then bounced with a DSN
  unsigned drain_rate =
      0;  // messages per second to these backends (a backlog drains at this pace); 0: no limit
};

struct EngineOptions {
  std::string hostname = "localhost";  // EHLO name and the DSNs' Reporting-MTA
  delivery::RetryPolicy retry;
  // A message still undelivered this long after it was queued gets one delay warning (a DSN with action
  // "delayed", RFC 3464) to its sender; 0: never. Not for inbound mail, whose backend's outage the
  // cloaking side keeps to itself, and never for the null sender.
  std::chrono::seconds delay_warning{0};
  DestinationLimits default_limits;
  std::vector<config::Shaping> shaping;  // per-destination overrides, matched on domain or target host
  delivery::ClientTimeouts timeouts;
  delivery::BackoffPolicy backoff;
  EgressSettings egress;  // no pools: the OS picks the address, EHLO is hostname
  // The cloaking side: mail for one of these relay domains (from any listener: the domain's MX is us) goes
  // to its backends as configured now, one chosen per attempt by a BackendBalancer (weights, priorities,
  // passive health), and is held for the domain's lifetime before it bounces; other mail an inbound
  // listener accepted is held for inbound_lifetime.
  std::map<std::string, BackendGroup> backends;  // canonical domain -> the customer's servers
  BackendHealthPolicy backend_health;
  std::chrono::seconds inbound_lifetime{2 * 24 * 60 * 60};
  // The hook for campaigns: the pool a message asks for (its campaign's), or "" to choose by sender.
  std::function<std::string(const spool::Envelope&)> requested_pool;
  // The hook for bounce processing: true when this message's failures are recorded as delivery events for
  // its sender (campaign mail: a VERP return path of ours) — then no DSN (failed, delayed or relayed) is
  // sent for it: it would only come back to our own bounce mailbox.
  std::function<bool(const spool::Envelope&)> bounces_recorded;
  // Every attempt's outcome, as written to the accounting log, with the log's position after its line
  // (inode 0 when there is no log or the write failed); called on the engine's executor in the order of
  // the log's lines, so it must only hand the attempt on (campaigns: a bounded queue to the recorder).
  std::function<void(const delivery::Attempt&, const delivery::LogPosition&)> on_attempt;
};

// Counts since start: one attempt outcome per recipient (delivered, deferred, bounced, expired — as the
// accounting log's lines), DSNs stored for senders (bounces and delay warnings), connections opened.
struct EngineStats {
  std::uint64_t delivered = 0, deferred = 0, bounced = 0, expired = 0, dsns = 0, connections = 0;
  std::uint64_t spool_write_failures = 0;   // outcomes (states, removals) the spool could not record
  std::uint64_t unrecorded_recipients = 0;  // now: outcomes known only in memory
  bool spool_paused = false;                // now: delivery waits for the spool
};

class DeliveryEngine {
 public:
  DeliveryEngine(asio::any_io_executor executor, spool::Spool& spool, Router& router, EngineOptions options,
                 delivery::AccountingLog* log = nullptr);
  ~DeliveryEngine();

  // Schedules every queued message (after a restart), then runs until stop(). co_spawn it once.
  asio::awaitable<void> run();
  // A message was stored (or released from hold): schedule it now. Thread-safe.
  void submit(spool::QueueId id);
  // A new configuration (SIGHUP), from the next decision on: routing hooks and timeouts at once, retry and
  // lifetime for the next outcome recorded, shaping and pools for mail dispatched from now on (a lane's
  // source is rebound by name; a source that is gone keeps its queued mail). The requested_pool hook is
  // kept when options has none. Thread-safe.
  void reconfigure(EngineOptions options);
  // Stops scheduling; workers finish the transaction they are in (its outcome is recorded), say QUIT and
  // end; those waiting (pacing, back-off) end at once. Thread-safe.
  void stop();
  // Workers still running: after stop(), wait for 0 (bounded) before stopping the executor. Thread-safe.
  unsigned running_workers() const { return running_workers_.load(); }
  EngineStats stats() const;  // thread-safe (the metrics endpoint reads it from another thread)
  // Messages that still have work in the engine (scheduled, queued or being sent).
  std::size_t active_messages() const;

 private:
  struct Job {
    spool::QueueId id;
    std::vector<std::uint32_t> recipients;
    bool retry = false;
    SourcePtr source;  // null: the OS picks the address
  };
  // The ready queue of one egress path: this destination from one source.
  struct Lane {
    SourcePtr source;
    std::deque<Job> fresh, retried;
    bool retry_turn = false;
    std::optional<Job> take();
    bool empty() const { return fresh.empty() && retried.empty(); }
  };
  struct Destination {
    std::string key;
    RouteResult route;
    DestinationLimits limits;
    std::map<std::string, Lane> lanes;  // by source name, "" without pools; never erased
    std::string last_lane;              // round-robin between lanes when a worker (re)connects
    unsigned workers = 0;
    std::size_t queued() const;
    Lane* next_lane();  // the next lane with work after last_lane, or nullptr
  };
  // Where an attempt went, for the accounting log.
  struct Path {
    std::string destination, host, ip, tls, source, source_ip;
    // A relay domain's backends: the domain. Their hosts stay out of every DSN (the cloaking side), and the
    // domain's lifetime bounds the attempts.
    std::string backend_group;
  };
  struct ConnectFailure {
    std::string enhanced = "4.4.1";
    std::string text;
    bool source_unusable = false;  // our egress address, not the server, failed: no server is to blame
  };
  struct Failure {  // a recipient to report in a DSN: failed, expired, or (for a delay warning) deferred
    std::uint32_t index;
    std::string status;  // RFC 3463
    std::string diagnostic;
    std::string remote_mta;
    std::chrono::system_clock::time_point last_attempt{};
  };
  // The failures of one delivery pass of a message (every job dispatch made of it), reported together in
  // one DSN when the pass's last job finishes; until then the failed recipients stay pending in the spool,
  // so a crash retries them (and reports them again) rather than losing the bounce.
  struct FailureReport {
    spool::Envelope envelope;
    std::string headers;  // the original header section, for the DSN
    std::vector<Failure> failures;
    std::vector<std::pair<std::uint32_t, spool::RecipientState>> states;  // written once the DSN is stored
    // Delivered to a server without DSN for recipients that asked NOTIFY=SUCCESS: a "relayed" DSN
    // (RFC 3461 §6.2.2); a server with DSN was given NOTIFY and reports success itself.
    std::vector<Failure> relayed;
  };

  // --- scheduling (engine.cpp)
  // Logs each egress source whose address cannot be bound here, once at start.
  void check_sources() const;
  void schedule_at(spool::QueueId id, std::chrono::system_clock::time_point when);
  asio::awaitable<void> dispatch(spool::QueueId id);
  void enqueue(const std::string& domain, const RouteResult& route, Job job);
  // The lane of the job's egress source at destination (made on first use).
  static Lane& lane_for(Destination& destination, const Job& job);
  void start_workers(Destination& destination);
  asio::awaitable<void> worker(Destination& destination);
  // The limits of the first shaping entry matching one of the route's hosts or the domain (else the
  // defaults); domain_match gets the entry's pattern when it matched by domain only.
  DestinationLimits limits_for(const std::string& domain, const RouteResult& route,
                               std::string* domain_match = nullptr) const;
  void wake();
  // The balancer's domains and backends from options_.backends (at start and on reconfigure).
  void configure_balancer();
  // A relay domain's route: no targets (the balancer chooses per attempt), its TLS and lifetime.
  RouteResult backend_group_route(const std::string& domain) const;
  // --- delivery (delivery_attempt.cpp)
  // Connects from the lane's source to the first of route's targets that answers; fills path (host, ip,
  // source) and, on failure, error.
  asio::awaitable<std::unique_ptr<delivery::SmtpConnection>> connect(Destination& destination,
                                                                     const Lane& lane,
                                                                     const RouteResult& route, Path& path,
                                                                     ConnectFailure& failure);
  // A relay domain's backends: tries them in order (the balancer's, for this job), marking each that fails
  // down and the one that answers healthy; backend gets the one connected to.
  asio::awaitable<std::unique_ptr<delivery::SmtpConnection>> connect_backend(
      Destination& destination, const Lane& lane, const std::vector<dns::HostPort>& order, Path& path,
      ConnectFailure& failure, std::string& backend);
  // Defers the job and every other job of the lane with the same connection failure.
  asio::awaitable<void> defer_lane(Destination& destination, Lane& lane, const Job& first, const Path& path,
                                   const ConnectFailure& failure);
  asio::awaitable<void> deliver(Destination& destination, delivery::SmtpConnection& connection,
                                const Job& job, const Path& path);
  // RFC 5321 §4.5.3.1.10: a server out of room for recipients answers 452 (older ones 552 5.5.3, taken
  // as temporary). When it took others in the same transaction, those it refused go in the next one at
  // once (a new job at the head of the lane) instead of on the retry schedule. Returns the job of what
  // was sent, replies cut to match.
  Job requeue_over_limit(Destination& destination, const Job& job, std::vector<delivery::Reply>& replies);
  // --- outcomes (outcomes.cpp)
  // NOTIFY=SUCCESS delivered through a server without DSN: a "relayed" report (RFC 3461 §6.2.2) at the
  // pass's end.
  void note_relayed(const Job& sent, const spool::StoredMessage& stored,
                    const std::vector<delivery::Reply>& replies, const Path& path);
  // The pass's report for a message, made on first use.
  FailureReport& report_for(spool::QueueId id, const spool::Envelope& envelope, const std::string& body);
  // Records the outcome of one attempt for the job's recipients (replies[i] for job.recipients[i]).
  asio::awaitable<void> record(const Job& job, const spool::Envelope& envelope, const std::string& body,
                               const std::vector<delivery::Reply>& replies, const Path& path,
                               std::optional<std::chrono::seconds> lifetime);
  // Counts a job of the message as done; after its last one, reports the pass's failures and reschedules
  // or removes the message.
  asio::awaitable<void> finish_job(spool::QueueId id);
  asio::awaitable<void> report_failures(spool::QueueId id);
  // Stores a DSN of action for those failures (recipients) whose NOTIFY asks for it; nothing for the null
  // sender or when none does. A delayed DSN says until when it keeps trying; a failed one returns the
  // whole message when the sender asked RET=FULL and full_message is given.
  asio::awaitable<std::error_code> send_dsn(const spool::Envelope& envelope, const std::string& headers,
                                            const std::vector<Failure>& failures, bounce::DsnAction action,
                                            std::optional<std::chrono::system_clock::time_point> retry_until,
                                            const std::string* full_message);
  asio::awaitable<void> warn_delay(spool::QueueId id, const spool::Envelope& envelope,
                                   const std::string& body, const std::vector<Failure>& deferred,
                                   std::chrono::system_clock::time_point retry_until);
  // After the last job of a pass: schedules the message's next attempt, or removes it when done.
  asio::awaitable<void> reschedule(spool::QueueId id);
  // --- spool writes (spool_writes.cpp)
  // Writes a recipient's state; one the spool cannot record is kept in unrecorded_ and pauses delivery.
  asio::awaitable<std::error_code> update(spool::QueueId id, std::uint32_t index,
                                          spool::RecipientState state);
  // The spool's copy of a message with the outcomes it could not record laid over it: what the engine
  // schedules and sends by.
  std::error_code load_current(spool::QueueId id, spool::Envelope& envelope) const;
  std::error_code load_current(spool::QueueId id, spool::StoredMessage& stored) const;
  // The spool could not record an outcome: no new transaction or dispatch until the pause ends.
  void pause_for_spool(std::error_code ec);
  std::optional<std::chrono::steady_clock::time_point> spool_paused_until() const;  // for workers
  // At the pause's end: writes the unrecorded outcomes again; all written ends the pause, a failure
  // starts a longer one.
  asio::awaitable<void> record_again();
  // Writes recipients' states (each failure logged); false when the message was deleted meanwhile.
  asio::awaitable<bool> write_states(
      spool::QueueId id, const std::vector<std::pair<std::uint32_t, spool::RecipientState>>& states);
  asio::awaitable<std::error_code> remove(spool::QueueId id);
  asio::awaitable<std::error_code> set_delay_warned(spool::QueueId id);
  asio::awaitable<std::pair<std::error_code, spool::QueueId>> store(spool::Envelope envelope,
                                                                    std::string body);

  asio::any_io_executor executor_;
  spool::Spool& spool_;
  Router& router_;
  EngineOptions options_;
  delivery::AccountingLog* log_;
  asio::ssl::context tls_context_;
  delivery::MemoryThrottleStore throttle_;
  delivery::DestinationBackoff backoff_;
  BackendBalancer balancer_;
  std::unique_ptr<EgressSelector> egress_;
  asio::steady_timer wakeup_;
  std::multimap<std::chrono::system_clock::time_point, spool::QueueId> timers_;
  std::set<spool::QueueId> scheduled_;                      // in timers_ or being dispatched
  std::unordered_map<spool::QueueId, unsigned> in_flight_;  // jobs queued or being sent, per message
  std::unordered_set<spool::QueueId> warning_;  // messages whose delay warning is being stored now
  std::unordered_map<spool::QueueId, FailureReport> reports_;  // failures of passes still in flight
  std::unordered_map<std::string, std::unique_ptr<Destination>> destinations_;
  // Outcomes the spool could not record, per message and recipient, and finished messages it could not
  // remove; both written again by record_again().
  std::unordered_map<spool::QueueId, std::map<std::uint32_t, spool::RecipientState>> unrecorded_;
  std::set<spool::QueueId> unremoved_;
  std::optional<std::chrono::steady_clock::time_point> spool_pause_end_;
  std::chrono::seconds spool_pause_{0};  // the last pause's length, doubled by each failed retry
  std::atomic<bool> stopped_{false};
  std::atomic<unsigned> running_workers_{0};
  std::unordered_set<asio::steady_timer*> pauses_;  // workers' pacing/back-off timers, cancelled by stop()
  struct Counters {
    std::atomic<std::uint64_t> delivered{0}, deferred{0}, bounced{0}, expired{0}, dsns{0}, connections{0};
    std::atomic<std::uint64_t> spool_write_failures{0}, unrecorded{0};
    std::atomic<bool> spool_paused{false};
  };
  Counters stats_;
};

}  // namespace mta::queue

namespace mta::queue {

// The engine's options from the configuration: hostname, retry schedule and lifetime, shaping, egress pools.
EngineOptions engine_options(const config::Config& config);

}  // namespace mta::queue
