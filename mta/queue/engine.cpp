// engine.cpp — the delivery engine's scheduler: the timers of queued messages, dispatch (a message's due
// recipients grouped by destination and routed), the destinations with their lanes and limits, and the
// workers started per destination. What one worker does with a job is delivery_attempt.cpp; what an
// attempt's outcome leads to (spool states, DSNs, the next attempt) is outcomes.cpp; the spool writes
// and their failure handling are spool_writes.cpp. Everything here runs on the engine's executor.
#include "mta/queue/engine.hpp"

#include <algorithm>
#include <memory>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "dkim/signing_table.hpp"
#include "dns/name.hpp"
#include "mta/log/log.hpp"
#include "mta/queue/engine_time.hpp"
#include "mta/queue/provider_shaping.hpp"

namespace mta::queue {
namespace {

using engine_time::Clock;
using engine_time::from_unix;
using engine_time::unix_seconds;

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? std::string()
                                 : dns::canonical_name(std::string_view(address).substr(at + 1));
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
      balancer_(options_.backend_health),
      egress_(std::make_unique<EgressSelector>(options_.egress)),
      wakeup_(executor) {
  configure_balancer();
}

void DeliveryEngine::configure_balancer() {
  std::vector<std::string> domains;
  for (const auto& [domain, group] : options_.backends) {
    balancer_.set_domain(domain, group.backends);
    domains.push_back(domain);
  }
  balancer_.remove_domains_except(domains);
}

RouteResult DeliveryEngine::backend_group_route(const std::string& domain) const {
  RouteResult route;
  route.key = "backend:" + domain;
  route.backend_group = domain;
  auto group = options_.backends.find(domain);
  if (group == options_.backends.end() || group->second.backends.empty()) {
    route.status = RouteResult::Status::temporary;
    route.error = "relay domain " + domain + " has no backend configured";
    return route;
  }
  route.tls = group->second.tls == config::BackendTls::required ? delivery::TlsPolicy::required
                                                                : delivery::TlsPolicy::opportunistic;
  route.max_queue_lifetime = group->second.lifetime;
  return route;
}

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
    configure_balancer();
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
    // Mail for a relay domain goes to its backends as configured now (from any listener: the domain's MX
    // is us), else to those it was accepted for: a domain's backends (route target: the domain), or, as
    // spools of older versions say, one backend (HOST:PORT).
    std::string key = domain_of(envelope.recipients[i].address);
    if (options_.backends.contains(key))
      key = "backend:" + key;
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
    if (domain.starts_with("backend:") && domain.find(':', 8) == std::string::npos) {
      route = backend_group_route(domain.substr(8));
    } else if (domain.starts_with("backend:")) {
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
  if (auto group = options_.backends.find(route.backend_group);
      !route.backend_group.empty() && group != options_.backends.end() && group->second.drain_rate > 0)
    limits.rate = {group->second.drain_rate, std::chrono::seconds(1), 1};
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
  for (const auto& domain : config.inbound.domains) {
    if (domain.backends.empty()) continue;
    BackendGroup& group = options.backends[domain.name];
    group.backends = domain.backends;
    group.tls = domain.backend_tls;
    group.lifetime = domain.max_queue_lifetime.value_or(config.inbound.max_queue_lifetime);
    group.drain_rate = domain.drain_rate;
  }
  options.inbound_lifetime = config.inbound.max_queue_lifetime;
  return options;
}

}  // namespace mta::queue
