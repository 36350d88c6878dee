// delivery_attempt.cpp — one destination's worker: takes jobs from its lanes, paces them (the
// destination's rate, the hosts' back-off, a spool that cannot record), connects from the lane's source
// and runs one transaction per job, handing each recipient's reply to record() (outcomes.cpp). A
// destination that cannot be reached defers the whole lane at once. Runs on the engine's executor.
// Untrusted input: the remote server's replies (parsed and bounded by mta/delivery's client).
#include <algorithm>
#include <memory>

#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include "mta/log/log.hpp"
#include "mta/queue/engine.hpp"

namespace mta::queue {
namespace {

// "Too many recipients" (RFC 5321 §4.5.3.1.10) in a 552, which RFC 821 listed for it: x.5.3 or the words.
bool too_many_recipients(const delivery::Reply& reply) {
  if (reply.enhanced && reply.enhanced->subject == 5 && reply.enhanced->detail == 3) return true;
  return reply.lower_text().find("too many recipients") != std::string::npos;
}

bool has_eight_bit(std::string_view data) {
  return std::any_of(data.begin(), data.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

}  // namespace

asio::awaitable<std::unique_ptr<delivery::SmtpConnection>> DeliveryEngine::connect(Destination& destination,
                                                                                   const Lane& lane,
                                                                                   const RouteResult& route,
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
  for (const auto& target : route.targets) {
    for (const auto& address : target.addresses) {
      if (source && source->address.is_v4() != address.is_v4()) continue;  // cannot leave from there
      family_matched = true;
      delivery::ClientOptions options;
      options.ehlo_name = source ? source->ehlo : options_.hostname;
      if (source) options.source = source->address;
      options.tls = route.tls;
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
        failure.source_unusable = true;
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

asio::awaitable<std::unique_ptr<delivery::SmtpConnection>> DeliveryEngine::connect_backend(
    Destination& destination, const Lane& lane, const std::vector<dns::HostPort>& order, Path& path,
    ConnectFailure& failure, std::string& backend) {
  const std::string domain = destination.route.backend_group;
  std::unique_ptr<delivery::SmtpConnection> connection;
  RouteResult hop;  // coroutine locals at function scope: see the gcc 12 notes in docs/architecture.md
  for (const auto& candidate : order) {
    hop = co_await router_.route_backend(candidate);
    if (hop.status == RouteResult::Status::ok) {
      hop.tls = destination.route.tls;
      connection = co_await connect(destination, lane, hop, path, failure);
      if (connection) {
        balancer_.succeeded(candidate);
        backend = candidate.to_string();
        path.host = backend;  // the accounting log tells backends apart by port too (several on one host)
        path.backend_group = domain;
        co_return std::move(connection);
      }
      if (failure.source_unusable) break;  // our address, not the backend: the next would fail alike
    } else {
      failure.text = hop.error;
    }
    // Fail over at once; the backend sits out a while (passive health).
    auto now = BackendBalancer::Clock::now();
    balancer_.failed(candidate, now);
    log::warn("delivery.backend_failed", {{"domain", domain},
                                          {"backend", candidate.to_string()},
                                          {"error", failure.text},
                                          {"healthy", balancer_.healthy(candidate, now)}});
  }
  path.destination = destination.key;
  path.backend_group = domain;
  // What the sender may read (a bounce after the hold): the domain's servers, never their addresses.
  if (!failure.source_unusable)
    failure = {"4.4.1", "the mail servers of " + domain + " did not answer (they are retried)", false};
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
  const bool backends = !destination.route.backend_group.empty();  // a relay domain's: one chosen per job
  std::vector<dns::HostPort> order;
  std::string backend;  // the one connected to
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
    if (backends) {
      order = balancer_.order(destination.route.backend_group, BackendBalancer::Clock::now());
      if (connection && (order.empty() || order.front().to_string() != backend)) {
        co_await connection->quit();
        connection.reset();
      }
    }
    if (connection && !connection->usable()) {
      co_await connection->quit();
      connection.reset();
    }
    if (!connection) {
      if (backends)
        connection = co_await connect_backend(destination, *lane, order, path, failure, backend);
      else
        connection = co_await connect(destination, *lane, destination.route, path, failure);
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

}  // namespace mta::queue
