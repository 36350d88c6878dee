#include "mta/queue/engine.hpp"

#include <algorithm>
#include <memory>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "dkim/signing_table.hpp"
#include "dns/name.hpp"
#include "mta/bounce/dsn.hpp"
#include "mta/log/log.hpp"
#include "mta/queue/provider_shaping.hpp"
#include "mta/smtp/dsn_params.hpp"
#include "mta/spool/spool_errc.hpp"

namespace mta::queue {
namespace {

using Clock = std::chrono::system_clock;
constexpr std::size_t kMaxDsnHeaders = 64 * 1024;
// Delivery's pause while the spool cannot record outcomes: short at first (a disk freed at once), doubling
// with each failed retry, so a failing spool costs a write a minute rather than a flood of attempts.
constexpr std::chrono::seconds kSpoolPauseFirst{1}, kSpoolPauseMax{60};

std::int64_t unix_seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
Clock::time_point from_unix(std::int64_t seconds) {
  return Clock::time_point{} + std::chrono::seconds(seconds);
}

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? std::string()
                                 : dns::canonical_name(std::string_view(address).substr(at + 1));
}

// "Too many recipients" (RFC 5321 §4.5.3.1.10) in a 552, which RFC 821 listed for it: x.5.3 or the words.
bool too_many_recipients(const delivery::Reply& reply) {
  if (reply.enhanced && reply.enhanced->subject == 5 && reply.enhanced->detail == 3) return true;
  return reply.lower_text().find("too many recipients") != std::string::npos;
}

// The largest message a RET=FULL failed DSN carries whole; larger ones come back as their headers.
constexpr std::size_t kMaxReturnedMessage = 1024 * 1024;

bool has_eight_bit(std::string_view data) {
  return std::any_of(data.begin(), data.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

std::string header_section(const std::string& body) {
  auto end = body.find("\r\n\r\n");
  std::string headers = body.substr(0, end == std::string::npos ? body.size() : end + 2);
  if (headers.size() > kMaxDsnHeaders) headers.resize(kMaxDsnHeaders);
  return headers;
}

std::string status_of(const delivery::Reply& reply) {
  if (reply.enhanced) return reply.enhanced->to_string();
  return reply.permanent() ? "5.0.0" : reply.transient() ? "4.0.0" : "2.0.0";
}

// Completion callbacks from the spool arrive on its own thread; this turns one into an awaitable whose
// result (a tuple of one Result) is delivered on executor. A plain function, not a coroutine, so that the
// lambda it is given is never a by-value coroutine parameter (gcc 12 frees those twice). std::function
// needs a copyable callable, so the handler is shared.
template <typename Result, typename Start>
auto on_executor(asio::any_io_executor executor, Start start) {
  auto token =
      asio::experimental::as_tuple(asio::use_awaitable);  // an error_code is a value here, not a throw
  return asio::async_initiate<decltype(token), void(Result)>(
      [executor, start](auto handler) mutable {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        start([executor, shared](Result result) {
          asio::post(executor,
                     [shared, result = std::move(result)]() mutable { (*shared)(std::move(result)); });
        });
      },
      token);
}

}  // namespace

std::optional<DeliveryEngine::Job> DeliveryEngine::Lane::take() {
  std::deque<Job>* first = retry_turn ? &retried : &fresh;
  std::deque<Job>* second = retry_turn ? &fresh : &retried;
  retry_turn = !retry_turn;
  for (auto* queue : {first, second}) {
    if (!queue->empty()) {
      Job job = std::move(queue->front());
      queue->pop_front();
      return job;
    }
  }
  return std::nullopt;
}

std::size_t DeliveryEngine::Destination::queued() const {
  std::size_t n = 0;
  for (const auto& [name, lane] : lanes)
    n += lane.fresh.size() + lane.retried.size();
  return n;
}

DeliveryEngine::Lane* DeliveryEngine::Destination::next_lane() {
  auto start = lanes.upper_bound(last_lane);
  for (std::size_t i = 0; i < lanes.size(); ++i, ++start) {
    if (start == lanes.end()) start = lanes.begin();
    if (!start->second.empty()) {
      last_lane = start->first;
      return &start->second;
    }
  }
  return nullptr;
}

DeliveryEngine::DeliveryEngine(asio::any_io_executor executor, spool::Spool& spool, Router& router,
                               EngineOptions options, delivery::AccountingLog* log)
    : executor_(executor),
      spool_(spool),
      router_(router),
      options_(std::move(options)),
      log_(log),
      tls_context_(delivery::make_client_tls_context()),
      backoff_(options_.backoff),
      egress_(std::make_unique<EgressSelector>(options_.egress)),
      wakeup_(executor) {}

DeliveryEngine::~DeliveryEngine() = default;

EngineStats DeliveryEngine::stats() const {
  return {stats_.delivered.load(),
          stats_.deferred.load(),
          stats_.bounced.load(),
          stats_.expired.load(),
          stats_.dsns.load(),
          stats_.connections.load(),
          stats_.spool_write_failures.load(),
          stats_.unrecorded.load(),
          stats_.spool_paused.load()};
}
std::size_t DeliveryEngine::active_messages() const {
  return scheduled_.size() + in_flight_.size();
}

void DeliveryEngine::wake() {
  wakeup_.cancel();
}

void DeliveryEngine::submit(spool::QueueId id) {
  asio::post(executor_, [this, id] { schedule_at(id, Clock::now()); });
}

void DeliveryEngine::reconfigure(EngineOptions options) {
  asio::post(executor_, [this, options = std::move(options)]() mutable {
    if (!options.requested_pool) options.requested_pool = std::move(options_.requested_pool);
    if (!options.on_attempt) options.on_attempt = std::move(options_.on_attempt);
    if (!options.bounces_recorded) options.bounces_recorded = std::move(options_.bounces_recorded);
    options_ = std::move(options);
    backoff_.set_policy(options_.backoff);
    egress_ = std::make_unique<EgressSelector>(options_.egress);
    for (auto& [key, destination] : destinations_)
      for (auto& [name, lane] : destination->lanes)
        if (auto source = name.empty() ? nullptr : egress_->source(name)) lane.source = std::move(source);
    check_sources();
  });
}

void DeliveryEngine::stop() {
  asio::post(executor_, [this] {
    stopped_ = true;
    wake();
    for (auto* pause : pauses_)
      pause->cancel();
  });
}

void DeliveryEngine::schedule_at(spool::QueueId id, Clock::time_point when) {
  if (stopped_ || in_flight_.contains(id)) return;  // finish_job reschedules what is left
  if (!scheduled_.insert(id).second) {
    // Already waiting: move it earlier if asked for earlier.
    for (auto it = timers_.begin(); it != timers_.end(); ++it)
      if (it->second == id) {
        if (when < it->first) {
          timers_.erase(it);
          timers_.emplace(when, id);
          wake();
        }
        return;
      }
    return;  // being dispatched right now
  }
  timers_.emplace(when, id);
  wake();
}

void DeliveryEngine::check_sources() const {
  for (const auto& source : options_.egress.sources) {
    asio::ip::tcp::socket probe(executor_);
    asio::error_code ec;
    probe.open(source.address.is_v4() ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), ec);
    if (!ec) probe.bind(asio::ip::tcp::endpoint(source.address, 0), ec);
    if (ec)
      log::warn("delivery.source_unusable", {{"source", source.name},
                                             {"address", source.address.to_string()},
                                             {"error", "cannot bind: " + ec.message() +
                                                           "; mail assigned to it will be deferred until "
                                                           "the address is configured on this host"}});
  }
}

asio::awaitable<void> DeliveryEngine::run() {
  check_sources();
  spool_.walk([this](const spool::MessageSummary& summary) {
    if (summary.held) return true;
    std::int64_t due = 0;
    bool pending = false;
    for (const auto& r : summary.recipients)
      if (r.status == spool::RecipientStatus::pending)
        due = pending ? std::min(due, r.next_attempt) : r.next_attempt, pending = true;
    if (pending) schedule_at(summary.id, from_unix(due));
    return true;
  });
  while (!stopped_) {
    if (spool_pause_end_ && std::chrono::steady_clock::now() >= *spool_pause_end_) co_await record_again();
    auto now = Clock::now();
    auto paused = spool_pause_end_;  // nothing is dispatched while the spool cannot record outcomes
    while (!paused && !timers_.empty() && timers_.begin()->first <= now) {
      spool::QueueId id = timers_.begin()->second;
      timers_.erase(timers_.begin());
      asio::co_spawn(executor_, dispatch(id), asio::detached);
    }
    auto wait =
        timers_.empty()
            ? std::chrono::steady_clock::duration(std::chrono::hours(1))
            : std::chrono::duration_cast<std::chrono::steady_clock::duration>(timers_.begin()->first - now);
    if (paused) wait = *paused - std::chrono::steady_clock::now();
    wakeup_.expires_after(wait);
    asio::error_code ec;
    co_await wakeup_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> DeliveryEngine::dispatch(spool::QueueId id) {
  spool::Envelope envelope;
  std::error_code ec = load_current(id, envelope);
  scheduled_.erase(id);
  if (ec || envelope.held) co_return;  // removed meanwhile, or held: `release` submits it again
  auto now = Clock::now();
  std::map<std::string, std::vector<std::uint32_t>> by_domain;
  std::optional<Clock::time_point> later;
  for (std::uint32_t i = 0; i < envelope.recipients.size(); ++i) {
    const auto& state = envelope.recipients[i].state;
    if (state.status != spool::RecipientStatus::pending) continue;
    if (from_unix(state.next_attempt) > now) {
      later = later ? std::min(*later, from_unix(state.next_attempt)) : from_unix(state.next_attempt);
      continue;
    }
    // Mail for a relay domain goes to its backend as configured now (from any listener: the domain's MX
    // is us), else to the one it was accepted for.
    std::string key = domain_of(envelope.recipients[i].address);
    auto backend = options_.backends.find(key);
    if (backend != options_.backends.end())
      key = "backend:" + backend->second.to_string();
    else if (state.route.kind == spool::RouteKind::backend)
      key = "backend:" + state.route.target;
    by_domain[key].push_back(i);
  }
  if (by_domain.empty()) {
    if (later) schedule_at(id, *later);
    co_return;
  }
  in_flight_[id] += static_cast<unsigned>(by_domain.size());
  // One source per message (per dispatch): every transaction of this attempt leaves from it. Chosen once
  // a destination is known, so mail that cannot be routed does not take a turn from the pool.
  std::string requested = options_.requested_pool ? options_.requested_pool(envelope) : std::string();
  if (!requested.empty() && egress_->pool_for(envelope.sender, requested) != requested)
    log::warn("delivery.unknown_pool", {{"queue_id", id.to_string()}, {"pool", requested}});
  bool chosen = false;
  SourcePtr source;
  Path unrouted;  // at function scope: see the gcc 12 notes in docs/architecture.md
  for (auto& [domain, recipients] : by_domain) {
    Job job{id, std::move(recipients), false, nullptr};
    for (auto index : job.recipients)
      job.retry = job.retry || envelope.recipients[index].state.attempts > 0;
    RouteResult route;
    if (domain.starts_with("backend:")) {
      auto hop = dns::parse_host_port(std::string_view(domain).substr(8), 25);
      if (hop.value) {
        route = co_await router_.route_backend(*hop.value);
      } else {
        route.status = RouteResult::Status::temporary;
        route.error = "backend " + domain.substr(8) + ": " + hop.error;
      }
    } else {
      route = co_await router_.route(domain);
    }
    if (route.status != RouteResult::Status::ok) {
      // No destination to try: the same outcome for every recipient, as if a server had answered.
      delivery::Reply reply;
      reply.code = route.status == RouteResult::Status::permanent ? 550 : 451;
      reply.lines.push_back(route.enhanced + " " + route.error);
      reply.enhanced = delivery::parse_enhanced_code(reply.lines.front());
      std::string body;
      if (route.status == RouteResult::Status::permanent) {
        spool::StoredMessage stored;
        if (!spool_.load(id, stored)) body = std::move(stored.body);
      }
      unrouted.destination = domain;
      co_await record(job, envelope, body, std::vector<delivery::Reply>(job.recipients.size(), reply),
                      unrouted, std::nullopt);
      co_await finish_job(id);
      continue;
    }
    if (!chosen) source = egress_->choose(envelope.sender, requested), chosen = true;
    job.source = source;
    enqueue(domain, route, std::move(job));
  }
}

DestinationLimits DeliveryEngine::limits_for(const std::string& domain, const RouteResult& route,
                                             std::string* domain_match) const {
  DestinationLimits limits = options_.default_limits;
  for (const auto& shaping : options_.shaping) {
    bool by_host = false;
    for (const auto& target : route.targets)
      by_host = by_host || dkim::match_specificity(shaping.match, target.host) >= 0;
    bool by_domain = !by_host && dkim::match_specificity(shaping.match, domain) >= 0;
    if (!by_host && !by_domain) continue;
    if (by_domain && domain_match) *domain_match = shaping.match;
    if (shaping.max_connections) limits.max_connections = shaping.max_connections;
    if (shaping.max_messages_per_connection)
      limits.max_messages_per_connection = shaping.max_messages_per_connection;
    if (shaping.rate.count) limits.rate = {shaping.rate.count, shaping.rate.per, 1};
    if (shaping.max_recipients) limits.max_recipients = shaping.max_recipients;
    limits.require_tls = shaping.require_tls;
    break;
  }
  return limits;
}

void DeliveryEngine::enqueue(const std::string& domain, const RouteResult& route, Job job) {
  // The destination is the route's hosts, split further so that its limits never depend on which domain
  // came last: domains whose shaping entry matched them by domain (not by MX host) get a queue per entry,
  // and mail that must go over TLS (the route's or the entry's require_tls) a queue of its own, so a
  // plaintext connection opened for other domains at the same hosts never carries it.
  std::string domain_match;
  DestinationLimits limits = limits_for(domain, route, &domain_match);
  bool tls = limits.require_tls || route.tls == delivery::TlsPolicy::required;
  std::string key = route.key;
  if (!domain_match.empty()) key += "|" + domain_match;
  if (tls) key += "|tls";
  auto& slot = destinations_[key];
  if (!slot) {
    slot = std::make_unique<Destination>();
    slot->key = key;
  }
  slot->route = route;  // the newest routing answer
  if (tls) slot->route.tls = delivery::TlsPolicy::required;
  slot->limits = limits;
  Lane& lane = lane_for(*slot, job);
  lane.source = job.source;
  auto& queue = job.retry ? lane.retried : lane.fresh;
  // At most max_recipients per transaction: a larger group becomes several jobs of the message.
  std::size_t limit = std::max(1u, slot->limits.max_recipients);
  while (job.recipients.size() > limit) {
    auto cut = job.recipients.begin() + static_cast<std::ptrdiff_t>(limit);
    queue.push_back(Job{job.id, {job.recipients.begin(), cut}, job.retry, job.source});
    job.recipients.erase(job.recipients.begin(), cut);
    ++in_flight_[job.id];
  }
  queue.push_back(std::move(job));
  start_workers(*slot);
}

DeliveryEngine::Lane& DeliveryEngine::lane_for(Destination& destination, const Job& job) {
  return destination.lanes[job.source ? job.source->name : std::string()];
}

void DeliveryEngine::start_workers(Destination& destination) {
  std::size_t queued = destination.queued();
  while (destination.workers < destination.limits.max_connections && destination.workers < queued) {
    ++destination.workers;
    ++running_workers_;
    asio::co_spawn(executor_, worker(destination), asio::detached);
  }
}

asio::awaitable<std::unique_ptr<delivery::SmtpConnection>> DeliveryEngine::connect(Destination& destination,
                                                                                   const Lane& lane,
                                                                                   Path& path,
                                                                                   ConnectFailure& failure) {
  SourcePtr source = lane.source;  // held: a reload may rebind the lane meanwhile
  path.destination = destination.key;
  path.host.clear();
  path.ip.clear();
  path.tls.clear();
  path.source = source ? source->name : std::string();
  path.source_ip = source ? source->address.to_string() : std::string();
  failure = {};
  bool family_matched = false;
  std::string local;  // at function scope: see the gcc 12 notes in docs/architecture.md
  for (const auto& target : destination.route.targets) {
    for (const auto& address : target.addresses) {
      if (source && source->address.is_v4() != address.is_v4()) continue;  // cannot leave from there
      family_matched = true;
      delivery::ClientOptions options;
      options.ehlo_name = source ? source->ehlo : options_.hostname;
      if (source) options.source = source->address;
      options.tls = destination.route.tls;
      options.tls_server_name = target.host;
      options.timeouts = options_.timeouts;
      asio::ip::tcp::endpoint endpoint(address, target.port);
      auto [connection, error] = co_await delivery::SmtpConnection::open(endpoint, options, tls_context_);
      if (connection) {
        ++stats_.connections;
        path.host = target.host;
        path.ip = address.to_string();
        path.tls = connection->tls_version();
        local = connection->local_address();
        if (!local.empty()) path.source_ip = local;
        co_return std::move(connection);
      }
      if (error->source_unusable) {
        // Every server would fail the same way: the address is not on this host (or not usable).
        failure.enhanced = "4.3.5";
        failure.text = "egress source " + path.source + " (" + path.source_ip + "): " + error->what +
                       "; is the address configured on this host?";
        log::warn("delivery.source_unusable", {{"source", path.source},
                                               {"address", path.source_ip},
                                               {"destination", destination.key},
                                               {"error", error->what}});
        co_return nullptr;
      }
      failure.text =
          target.host + "[" + address.to_string() + "]:" + std::to_string(target.port) + ": " + error->what;
      if (error->reply) failure.text += " (" + error->reply->text() + ")";
    }
  }
  if (source && !family_matched) {
    failure.enhanced = "4.4.4";
    failure.text = "egress source " + path.source + " (" + path.source_ip + ") is IPv" +
                   (source->address.is_v4() ? "4" : "6") + " and the destination has no such address";
  }
  co_return nullptr;
}

asio::awaitable<void> DeliveryEngine::defer_lane(Destination& destination, Lane& lane, const Job& first,
                                                 const Path& path, const ConnectFailure& failure) {
  delivery::Reply reply;
  reply.code = 451;
  reply.lines.push_back(failure.enhanced + " " +
                        (failure.text.empty() ? std::string("no address to connect to") : failure.text));
  reply.enhanced = delivery::parse_enhanced_code(reply.lines.front());
  std::vector<Job> jobs{first};
  while (auto more = lane.take())
    jobs.push_back(std::move(*more));
  for (const auto& failed : jobs) {
    spool::StoredMessage stored;
    if (load_current(failed.id, stored)) {
      co_await finish_job(failed.id);
      continue;
    }
    co_await record(failed, stored.envelope, stored.body,
                    std::vector<delivery::Reply>(failed.recipients.size(), reply), path,
                    destination.route.max_queue_lifetime);
    co_await finish_job(failed.id);
  }
}

asio::awaitable<void> DeliveryEngine::worker(Destination& destination) {
  std::unique_ptr<delivery::SmtpConnection> connection;
  Lane* lane = nullptr;  // the lane whose source the connection leaves from
  Path path;
  ConnectFailure failure;
  std::optional<Job> job;
  unsigned sent = 0;
  asio::steady_timer pause(executor_);
  pauses_.insert(&pause);
  while (!stopped_) {
    auto until = spool_paused_until();
    if (!until) until = backoff_.suspended_until(destination.route.key, std::chrono::steady_clock::now());
    if (until) {
      if (connection) co_await connection->quit(), connection.reset();
      if (stopped_) break;
      pause.expires_at(*until);
      asio::error_code ignored;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      continue;
    }
    // Stay with the connection's lane while it has work and the connection may carry more; otherwise
    // take the next lane with work (and a connection from its source).
    bool keep = connection && lane && !lane->empty() && connection->usable() &&
                sent < destination.limits.max_messages_per_connection;
    if (!keep) {
      if (connection) co_await connection->quit(), connection.reset();
      lane = destination.next_lane();
      if (!lane) break;
    }
    job = lane->take();
    if (!job) break;
    for (;;) {
      auto wait =
          throttle_.acquire(destination.key, destination.limits.rate, std::chrono::steady_clock::now());
      if (wait.count() <= 0) break;
      if (stopped_) break;
      pause.expires_after(wait);
      asio::error_code ignored;
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (stopped_) break;  // the job stays pending in the spool
    if (connection && !connection->usable()) {
      co_await connection->quit();
      connection.reset();
    }
    if (!connection) {
      connection = co_await connect(destination, *lane, path, failure);
      sent = 0;
      if (!connection) {
        // This egress path is unusable (the destination unreachable, or the source address not ours):
        // every job waiting on it is deferred with the same reason rather than each trying in turn.
        co_await defer_lane(destination, *lane, *job, path, failure);
        lane = nullptr;
        continue;
      }
      if (stopped_) break;
    }
    co_await deliver(destination, *connection, *job, path);
    ++sent;
  }
  if (connection) co_await connection->quit();
  pauses_.erase(&pause);
  --destination.workers;
  --running_workers_;
  // Work may have arrived while this worker was winding down.
  if (!stopped_ && destination.workers == 0 && destination.queued() > 0) start_workers(destination);
}

asio::awaitable<void> DeliveryEngine::deliver(Destination& destination, delivery::SmtpConnection& connection,
                                              const Job& job, const Path& path) {
  spool::StoredMessage stored;
  if (load_current(job.id, stored)) {  // gone (deleted by an operator): nothing to send
    co_await finish_job(job.id);
    co_return;
  }
  delivery::Message message;
  message.sender = stored.envelope.sender;
  for (auto index : job.recipients)
    message.recipients.push_back(stored.envelope.recipients[index].address);
  message.data = stored.body;
  message.eight_bit = has_eight_bit(stored.body);
  message.ret = stored.envelope.ret;
  message.envid = stored.envelope.envid;
  for (auto index : job.recipients) {
    message.notify.push_back(stored.envelope.recipients[index].notify);
    message.orcpt.push_back(stored.envelope.recipients[index].orcpt);
  }
  delivery::TransactionResult result = co_await connection.send(message);
  Job sent_job = requeue_over_limit(destination, job, result.recipients);
  bool limited = false;
  for (const auto& reply : result.recipients)
    limited = limited || delivery::is_rate_limit_reply(reply);
  if (limited) {
    auto pause = backoff_.rate_limited(destination.route.key, std::chrono::steady_clock::now());
    log::warn("delivery.rate_limited", {{"destination", destination.key},
                                        {"host", path.host},
                                        {"source", path.source},
                                        {"pause_seconds", static_cast<std::int64_t>(pause.count())}});
  } else if (std::any_of(result.recipients.begin(), result.recipients.end(),
                         [](const auto& r) { return r.positive(); })) {
    backoff_.succeeded(destination.route.key);
  }
  if (!connection.capabilities().dsn) note_relayed(sent_job, stored, result.recipients, path);
  co_await record(sent_job, stored.envelope, stored.body, result.recipients, path,
                  destination.route.max_queue_lifetime);
  co_await finish_job(job.id);
}

DeliveryEngine::Job DeliveryEngine::requeue_over_limit(Destination& destination, const Job& job,
                                                       std::vector<delivery::Reply>& replies) {
  for (auto& reply : replies)
    if (reply.code == 552 && too_many_recipients(reply)) reply.code = 452;
  if (std::none_of(replies.begin(), replies.end(), [](const auto& r) { return r.positive(); })) return job;
  Job sent{job.id, {}, job.retry, job.source};
  Job rest{job.id, {}, job.retry, job.source};
  std::vector<delivery::Reply> kept;
  for (std::size_t k = 0; k < job.recipients.size(); ++k) {
    if (replies[k].code == 452) {
      rest.recipients.push_back(job.recipients[k]);
    } else {
      sent.recipients.push_back(job.recipients[k]);
      kept.push_back(std::move(replies[k]));
    }
  }
  replies = std::move(kept);
  if (!rest.recipients.empty()) {
    log::info("delivery.recipient_limit",
              {{"destination", destination.key},
               {"queue_id", job.id.to_string()},
               {"accepted", static_cast<std::int64_t>(sent.recipients.size())},
               {"next_transaction", static_cast<std::int64_t>(rest.recipients.size())}});
    Lane& lane = lane_for(destination, job);
    (rest.retry ? lane.retried : lane.fresh).push_front(std::move(rest));
    ++in_flight_[job.id];
  }
  return sent;
}

void DeliveryEngine::note_relayed(const Job& sent, const spool::StoredMessage& stored,
                                  const std::vector<delivery::Reply>& replies, const Path& path) {
  for (std::size_t k = 0; k < sent.recipients.size(); ++k) {
    auto index = sent.recipients[k];
    if (!replies[k].positive() || !smtp::wants_success(stored.envelope.recipients[index].notify)) continue;
    report_for(sent.id, stored.envelope, stored.body)
        .relayed.push_back({index, "2.0.0", replies[k].text(), path.host, Clock::now()});
  }
}

DeliveryEngine::FailureReport& DeliveryEngine::report_for(spool::QueueId id, const spool::Envelope& envelope,
                                                          const std::string& body) {
  auto [it, created] = reports_.try_emplace(id);
  if (created) it->second.envelope = envelope, it->second.headers = header_section(body);
  return it->second;
}

asio::awaitable<void> DeliveryEngine::record(const Job& job, const spool::Envelope& envelope,
                                             const std::string& body,
                                             const std::vector<delivery::Reply>& replies, const Path& path,
                                             std::optional<std::chrono::seconds> lifetime) {
  auto now = Clock::now();
  delivery::RetryPolicy policy = options_.retry;
  if (envelope.listener == "inbound")
    policy.lifetime = options_.inbound_lifetime;  // held for the customer's server, per [inbound]
  else if (lifetime)
    policy.lifetime = *lifetime;
  std::vector<Failure> failures;
  std::vector<Failure> deferred;
  std::vector<std::pair<std::uint32_t, spool::RecipientState>> updates;
  std::vector<std::pair<std::uint32_t, spool::RecipientState>> failed_states;
  for (std::size_t k = 0; k < job.recipients.size(); ++k) {
    std::uint32_t index = job.recipients[k];
    const delivery::Reply& reply = replies[k];
    spool::RecipientState state = envelope.recipients[index].state;
    state.attempts = static_cast<std::uint16_t>(std::min<int>(state.attempts + 1, 65535));
    std::string result;
    if (reply.positive()) {
      state.status = spool::RecipientStatus::delivered;
      result = "delivered";
      ++stats_.delivered;
    } else if (reply.permanent()) {
      state.status = spool::RecipientStatus::failed;
      failures.push_back({index, status_of(reply), reply.text(), path.host, now});
      result = "bounced";
      ++stats_.bounced;
    } else if (auto next =
                   delivery::next_attempt(policy, from_unix(envelope.received_at), now, state.attempts)) {
      state.next_attempt = unix_seconds(*next);
      deferred.push_back({index, status_of(reply), reply.text(), path.host, now});
      result = "deferred";
      ++stats_.deferred;
    } else {
      state.status = spool::RecipientStatus::failed;
      failures.push_back(
          {index, "4.4.7", "delivery time expired; last error: " + reply.text(), path.host, now});
      result = "expired";
      ++stats_.expired;
    }
    if (state.status == spool::RecipientStatus::failed)
      failed_states.emplace_back(index, state);
    else
      updates.emplace_back(index, state);
    if (log_ || options_.on_attempt) {
      delivery::Attempt attempt;
      attempt.time = now;
      attempt.queue_id = job.id.to_string();
      attempt.sender = envelope.sender;
      attempt.recipient = envelope.recipients[index].address;
      attempt.destination = path.destination;
      attempt.mx_host = path.host;
      attempt.mx_ip = path.ip;
      attempt.egress_source = path.source;
      attempt.egress_ip = path.source_ip;
      attempt.tls = path.tls;
      attempt.result = result;
      attempt.reply = reply.text();
      attempt.enhanced_code = reply.enhanced ? reply.enhanced->to_string() : "";
      attempt.attempt = state.attempts;
      delivery::LogPosition position;
      if (auto ec = log_ ? log_->write(attempt, &position) : std::error_code()) {
        log::error("accounting_log.write_failed", {{"error", ec.message()}});
        position = {};
      }
      if (options_.on_attempt) options_.on_attempt(attempt, position);
    }
  }
  // Failures wait for the end of the message's pass (finish_job), to go to the sender in one DSN.
  if (!failures.empty()) {
    FailureReport& report = report_for(job.id, envelope, body);
    report.failures.insert(report.failures.end(), failures.begin(), failures.end());
    report.states.insert(report.states.end(), failed_states.begin(), failed_states.end());
  }
  if (!co_await write_states(job.id, updates)) co_return;
  auto queued_at = from_unix(envelope.received_at);
  if (!deferred.empty() && options_.delay_warning.count() > 0 && now - queued_at >= options_.delay_warning)
    co_await warn_delay(job.id, envelope, body, deferred, queued_at + policy.lifetime);
}

asio::awaitable<void> DeliveryEngine::warn_delay(spool::QueueId id, const spool::Envelope& envelope,
                                                 const std::string& body,
                                                 const std::vector<Failure>& deferred,
                                                 Clock::time_point retry_until) {
  // One warning per message, ever: the spool's flag survives restarts, warning_ covers jobs of the same
  // message to other destinations that are deferred while this one is being stored.
  if (envelope.sender.empty() || envelope.listener == "inbound") co_return;
  spool::Envelope current;
  if (spool_.load_envelope(id, current) || current.delay_warned || warning_.contains(id)) co_return;
  warning_.insert(id);
  // The warning is about the message: it also names its other recipients that are still waiting after a
  // deferral to another destination (their last reply belongs to that attempt, so only a generic status).
  // Recipients that failed earlier in this pass are not waiting: their failure is reported when it ends.
  std::vector<Failure> waiting = deferred;
  auto report = reports_.find(id);
  auto listed = [](const std::vector<Failure>& list, std::uint32_t i) {
    return std::any_of(list.begin(), list.end(), [i](const Failure& f) { return f.index == i; });
  };
  for (std::uint32_t i = 0; i < current.recipients.size(); ++i) {
    const auto& state = current.recipients[i].state;
    if (listed(deferred, i) || (report != reports_.end() && listed(report->second.failures, i))) continue;
    if (state.status == spool::RecipientStatus::pending && state.attempts > 0)
      waiting.push_back({i, "4.0.0", "", "", Clock::now()});
  }
  // The warning is stored before the flag is set: a crash in between may warn twice, never lose a bounce.
  if (auto ec = co_await send_dsn(envelope, header_section(body), waiting, bounce::DsnAction::delayed,
                                  retry_until, nullptr)) {
    log::error("dsn.store_failed", {{"queue_id", id.to_string()}, {"error", ec.message()}});
  } else {
    log::info("delivery.delay_warning", {{"queue_id", id.to_string()},
                                         {"sender", envelope.sender},
                                         {"recipients", static_cast<std::int64_t>(waiting.size())}});
    if (auto ec = co_await set_delay_warned(id))
      log::error("spool.update_failed", {{"queue_id", id.to_string()}, {"error", ec.message()}});
  }
  warning_.erase(id);
}

asio::awaitable<std::error_code> DeliveryEngine::send_dsn(
    const spool::Envelope& envelope, const std::string& headers, const std::vector<Failure>& failures,
    bounce::DsnAction action, std::optional<Clock::time_point> retry_until, const std::string* full_message) {
  if (options_.bounces_recorded && options_.bounces_recorded(envelope)) co_return std::error_code{};
  bounce::DsnInput input;
  input.reporting_mta = options_.hostname;
  input.envelope_sender = envelope.sender;
  input.arrival = from_unix(envelope.received_at);
  input.original_headers = headers;
  if (!envelope.envid.empty()) input.envelope_id = envelope.envid;
  // RET=FULL (RFC 3461 §4.3): the whole message in a failed DSN, up to a bound (as Postfix's
  // bounce_size_limit); past it, or otherwise, the header section.
  if (action == bounce::DsnAction::failed && full_message &&
      envelope.ret == static_cast<std::uint8_t>(smtp::DsnReturn::full) &&
      full_message->size() <= kMaxReturnedMessage)
    input.original_message = *full_message;
  for (const auto& failure : failures) {
    const auto& recipient = envelope.recipients[failure.index];
    bool wanted = action == bounce::DsnAction::failed    ? smtp::wants_failure(recipient.notify)
                  : action == bounce::DsnAction::delayed ? smtp::wants_delay(recipient.notify)
                                                         : smtp::wants_success(recipient.notify);
    if (!wanted) continue;  // NOTIFY (RFC 3461 §4.1): NEVER, or not this kind
    bounce::DsnRecipient r;
    r.final_recipient = recipient.address;
    if (!recipient.orcpt.empty()) r.original_recipient = recipient.orcpt;
    r.action = action;
    r.will_retry_until = retry_until;
    r.status = failure.status;
    if (!failure.remote_mta.empty()) r.remote_mta = failure.remote_mta;
    if (!failure.diagnostic.empty()) r.diagnostic = failure.diagnostic;
    r.last_attempt = failure.last_attempt;
    input.recipients.push_back(std::move(r));
  }
  auto dsn = bounce::build_dsn(input);
  if (!dsn) co_return std::error_code{};  // the null sender gets no DSN
  spool::Envelope bounce;
  bounce.sender = "";  // DSNs go from the null sender, so they never bounce back (RFC 5321 §4.5.5)
  bounce.recipients.push_back({dsn->recipient, {}, 0, ""});
  bounce.received_at = unix_seconds(Clock::now());
  bounce.listener = "dsn";
  auto [ec, id] = co_await store(std::move(bounce), std::move(dsn->message));
  if (!ec) {
    ++stats_.dsns;
    schedule_at(id, Clock::now());
  }
  co_return ec;
}

asio::awaitable<void> DeliveryEngine::finish_job(spool::QueueId id) {
  auto it = in_flight_.find(id);
  if (it != in_flight_.end() && --it->second > 0) co_return;
  if (it != in_flight_.end()) in_flight_.erase(it);
  co_await report_failures(id);
  co_await reschedule(id);
}

asio::awaitable<void> DeliveryEngine::reschedule(spool::QueueId id) {
  spool::Envelope envelope;
  if (load_current(id, envelope)) co_return;  // already removed
  std::optional<std::int64_t> next;
  for (const auto& r : envelope.recipients)
    if (r.state.status == spool::RecipientStatus::pending)
      next = next ? std::min(*next, r.state.next_attempt) : r.state.next_attempt;
  if (next) {
    schedule_at(id, from_unix(*next));
    co_return;
  }
  auto ec = co_await remove(id);
  if (!ec || ec == spool::spool_errc::not_found) {
    if (auto kept = unrecorded_.find(id); kept != unrecorded_.end()) {
      stats_.unrecorded -= kept->second.size();
      unrecorded_.erase(kept);
    }
    unremoved_.erase(id);
    co_return;
  }
  log::error("spool.remove_failed", {{"queue_id", id.to_string()}, {"error", ec.message()}});
  unremoved_.insert(id);
  ++stats_.spool_write_failures;
  pause_for_spool(ec);
}

asio::awaitable<void> DeliveryEngine::report_failures(spool::QueueId id) {
  auto node = reports_.extract(id);
  if (node.empty()) co_return;
  FailureReport& report = node.mapped();
  // Deleted by an operator meanwhile (`relayctl queue delete`): its bounces go with it, as postsuper -d.
  spool::Envelope current;
  if (spool_.load_envelope(id, current)) co_return;
  // The DSN is stored before the recipients are marked failed: a crash in between may send a second DSN,
  // never none.
  std::string full;  // RET=FULL: the message, still in the spool until its recipients are marked failed
  if (report.envelope.ret == static_cast<std::uint8_t>(smtp::DsnReturn::full) && !report.failures.empty()) {
    spool::StoredMessage stored;
    if (!spool_.load(id, stored)) full = std::move(stored.body);
  }
  if (auto ec = co_await send_dsn(report.envelope, report.headers, report.failures, bounce::DsnAction::failed,
                                  std::nullopt, full.empty() ? nullptr : &full))
    log::error("dsn.store_failed", {{"queue_id", id.to_string()}, {"error", ec.message()}});
  if (auto ec = co_await send_dsn(report.envelope, report.headers, report.relayed, bounce::DsnAction::relayed,
                                  std::nullopt, nullptr))
    log::error("dsn.store_failed", {{"queue_id", id.to_string()}, {"error", ec.message()}});
  co_await write_states(id, report.states);
}

asio::awaitable<bool> DeliveryEngine::write_states(
    spool::QueueId id, const std::vector<std::pair<std::uint32_t, spool::RecipientState>>& states) {
  for (const auto& [index, state] : states) {
    auto ec = co_await update(id, index, state);
    if (ec == spool::spool_errc::not_found) co_return false;  // deleted by an operator meanwhile
    if (ec) log::error("spool.update_failed", {{"queue_id", id.to_string()}, {"error", ec.message()}});
  }
  co_return true;
}

asio::awaitable<std::error_code> DeliveryEngine::update(spool::QueueId id, std::uint32_t index,
                                                        spool::RecipientState state) {
  // Named lambdas: gcc 12 frees a capturing lambda made inside a co_await expression twice.
  auto start = [this, id, index, state](auto done) { spool_.update_recipient(id, index, state, done); };
  auto [ec] = co_await on_executor<std::error_code>(executor_, start);
  auto kept = unrecorded_.find(id);
  if (!ec || ec == spool::spool_errc::not_found) {
    if (kept != unrecorded_.end() && kept->second.erase(index)) {
      --stats_.unrecorded;
      if (kept->second.empty()) unrecorded_.erase(kept);
    }
    co_return ec;
  }
  if (kept == unrecorded_.end()) kept = unrecorded_.try_emplace(id).first;
  if (kept->second.insert_or_assign(index, state).second) ++stats_.unrecorded;
  ++stats_.spool_write_failures;
  pause_for_spool(ec);
  co_return ec;
}

std::error_code DeliveryEngine::load_current(spool::QueueId id, spool::Envelope& envelope) const {
  if (auto ec = spool_.load_envelope(id, envelope)) return ec;
  if (auto kept = unrecorded_.find(id); kept != unrecorded_.end())
    for (const auto& [index, state] : kept->second)
      if (index < envelope.recipients.size()) envelope.recipients[index].state = state;
  return {};
}

std::error_code DeliveryEngine::load_current(spool::QueueId id, spool::StoredMessage& stored) const {
  if (auto ec = spool_.load(id, stored)) return ec;
  if (auto kept = unrecorded_.find(id); kept != unrecorded_.end())
    for (const auto& [index, state] : kept->second)
      if (index < stored.envelope.recipients.size()) stored.envelope.recipients[index].state = state;
  return {};
}

std::optional<std::chrono::steady_clock::time_point> DeliveryEngine::spool_paused_until() const {
  if (!spool_pause_end_) return std::nullopt;
  // The pause lasts until run() has written the kept outcomes again (record_again, at its end): a worker
  // waking at the same moment looks again shortly instead of starting a transaction first.
  return std::max(*spool_pause_end_, std::chrono::steady_clock::now() + std::chrono::milliseconds(100));
}

void DeliveryEngine::pause_for_spool(std::error_code ec) {
  if (spool_pause_end_) return;  // already paused: its end decides what comes next
  spool_pause_ = spool_pause_.count() == 0 ? kSpoolPauseFirst : std::min(2 * spool_pause_, kSpoolPauseMax);
  spool_pause_end_ = std::chrono::steady_clock::now() + spool_pause_;
  stats_.spool_paused = true;
  log::error("delivery.spool_paused",
             {{"error", ec.message()},
              {"pause_seconds", static_cast<std::int64_t>(spool_pause_.count())},
              {"unrecorded_recipients", static_cast<std::int64_t>(stats_.unrecorded.load())},
              {"unremoved_messages", static_cast<std::int64_t>(unremoved_.size())}});
  wake();
}

asio::awaitable<void> DeliveryEngine::record_again() {
  spool_pause_end_.reset();
  bool wrote = false;
  std::vector<spool::QueueId> ids;  // coroutine locals at function scope (docs/architecture.md)
  std::vector<std::pair<std::uint32_t, spool::RecipientState>> states;
  for (const auto& [id, kept] : unrecorded_)
    ids.push_back(id);
  for (auto id : ids) {
    auto kept = unrecorded_.find(id);
    if (kept == unrecorded_.end()) continue;
    states.assign(kept->second.begin(), kept->second.end());
    for (const auto& [index, state] : states) {
      auto ec = co_await update(id, index, state);
      if (ec && ec != spool::spool_errc::not_found) co_return;  // update() paused again, longer
      wrote = true;
    }
    if (!in_flight_.contains(id) && !scheduled_.contains(id)) co_await reschedule(id);
    if (spool_pause_end_) co_return;
  }
  ids.assign(unremoved_.begin(), unremoved_.end());
  for (auto id : ids) {
    if (in_flight_.contains(id) || scheduled_.contains(id)) continue;
    co_await reschedule(id);
    if (spool_pause_end_) co_return;
    wrote = true;
  }
  if (wrote) spool_pause_ = std::chrono::seconds(0);  // recorded again: the next failure starts short
  stats_.spool_paused = false;
  log::info("delivery.spool_resumed", {{"recorded_again", wrote}});
}

asio::awaitable<std::error_code> DeliveryEngine::remove(spool::QueueId id) {
  auto [ec] =
      co_await on_executor<std::error_code>(executor_, [this, id](auto done) { spool_.remove(id, done); });
  co_return ec;
}

asio::awaitable<std::error_code> DeliveryEngine::set_delay_warned(spool::QueueId id) {
  auto start = [this, id](auto done) { spool_.set_delay_warned(id, done); };
  auto [ec] = co_await on_executor<std::error_code>(executor_, start);
  co_return ec;
}

asio::awaitable<std::pair<std::error_code, spool::QueueId>> DeliveryEngine::store(spool::Envelope envelope,
                                                                                  std::string body) {
  using Result = std::pair<std::error_code, spool::QueueId>;
  auto shared =
      std::make_shared<std::pair<spool::Envelope, std::string>>(std::move(envelope), std::move(body));
  auto [result] = co_await on_executor<Result>(executor_, [this, shared](auto done) {
    spool_.store(std::move(shared->first), std::move(shared->second),
                 [done](std::error_code ec, spool::QueueId id) {
                   done(Result{ec, id});
                 });
  });
  co_return result;
}

}  // namespace mta::queue

namespace mta::queue {

EngineOptions engine_options(const config::Config& config) {
  EngineOptions options;
  options.hostname = config.server.hostname.empty() ? config::machine_hostname() : config.server.hostname;
  options.retry = {config.delivery.retry_initial, config.delivery.retry_max,
                   config.delivery.max_queue_lifetime};
  options.delay_warning = config.delivery.delay_warning_after;
  options.backoff = {config.delivery.rate_limit_pause, config.delivery.rate_limit_pause_max};
  options.shaping = effective_shaping(config.delivery.shaping);
  options.egress = egress_settings(config.delivery, options.hostname);
  for (const auto& domain : config.inbound.domains)
    if (!domain.backends.empty()) options.backends[domain.name] = domain.backends.front().address;
  options.inbound_lifetime = config.inbound.max_queue_lifetime;
  return options;
}

}  // namespace mta::queue
