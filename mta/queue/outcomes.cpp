// outcomes.cpp — what an attempt's replies lead to: each recipient delivered, deferred (next attempt on
// the retry schedule), bounced or expired (its lifetime over), one accounting-log line each; the failures
// of a message's pass gathered and reported in one DSN (RFC 3464) when its last job ends, delay warnings,
// "relayed" reports (RFC 3461), and the message rescheduled or removed. Runs on the engine's executor.
// DSNs are stored before the recipients they report are marked failed: a crash may report twice, never
// lose a bounce.
#include <algorithm>

#include "mta/bounce/dsn.hpp"
#include "mta/log/log.hpp"
#include "mta/queue/engine.hpp"
#include "mta/queue/engine_time.hpp"
#include "mta/smtp/dsn_params.hpp"
#include "mta/spool/spool_errc.hpp"

namespace mta::queue {
namespace {

using engine_time::Clock;
using engine_time::from_unix;
using engine_time::unix_seconds;

constexpr std::size_t kMaxDsnHeaders = 64 * 1024;
// The largest message a RET=FULL failed DSN carries whole; larger ones come back as their headers.
constexpr std::size_t kMaxReturnedMessage = 1024 * 1024;

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

// The cloaking side: a DSN about a relay domain's mail names none of its backends — no Remote-MTA, and
// their host names and addresses in a reply's text replaced by the domain.
// backend_group: the relay domain, or "" for any other destination (named as it is).
std::string remote_mta(const std::string& host, const std::string& backend_group) {
  return backend_group.empty() ? host : std::string();
}

std::string hide_backend(std::string text, const std::string& host, const std::string& ip,
                         const std::string& backend_group) {
  if (backend_group.empty()) return text;
  for (const std::string* name : {&host, &ip}) {
    if (name->empty()) continue;
    for (auto at = text.find(*name); at != std::string::npos;
         at = text.find(*name, at + backend_group.size()))
      text.replace(at, name->size(), backend_group);
  }
  return text;
}

}  // namespace

void DeliveryEngine::note_relayed(const Job& sent, const spool::StoredMessage& stored,
                                  const std::vector<delivery::Reply>& replies, const Path& path) {
  for (std::size_t k = 0; k < sent.recipients.size(); ++k) {
    auto index = sent.recipients[k];
    if (!replies[k].positive() || !smtp::wants_success(stored.envelope.recipients[index].notify)) continue;
    report_for(sent.id, stored.envelope, stored.body)
        .relayed.push_back({index, "2.0.0",
                            hide_backend(replies[k].text(), path.host, path.ip, path.backend_group),
                            remote_mta(path.host, path.backend_group), Clock::now()});
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
  if (!path.backend_group.empty() && lifetime)
    policy.lifetime = *lifetime;  // held for the customer's servers, per relay domain
  else if (envelope.listener == "inbound")
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
    // What a DSN may say of the reply: for a relay domain, without its backends' names.
    std::string told = hide_backend(reply.text(), path.host, path.ip, path.backend_group);
    std::string remote = remote_mta(path.host, path.backend_group);
    if (reply.positive()) {
      state.status = spool::RecipientStatus::delivered;
      result = "delivered";
      ++stats_.delivered;
    } else if (reply.permanent()) {
      state.status = spool::RecipientStatus::failed;
      failures.push_back({index, status_of(reply), told, remote, now});
      result = "bounced";
      ++stats_.bounced;
    } else if (auto next =
                   delivery::next_attempt(policy, from_unix(envelope.received_at), now, state.attempts)) {
      state.next_attempt = unix_seconds(*next);
      deferred.push_back({index, status_of(reply), told, remote, now});
      result = "deferred";
      ++stats_.deferred;
    } else {
      state.status = spool::RecipientStatus::failed;
      failures.push_back({index, "4.4.7", "delivery time expired; last error: " + told, remote, now});
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

}  // namespace mta::queue
