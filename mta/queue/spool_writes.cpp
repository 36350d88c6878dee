// spool_writes.cpp — the engine's reads and writes of the spool: recipients' states, removals, the
// delay-warned flag, new DSN messages. Spool completions arrive on the spool's commit thread and are
// posted back to the engine's executor. An outcome the spool cannot record is kept in memory (and read
// over the spool's copy by load_current) while delivery pauses (1 s doubling to 1 min); record_again()
// writes the kept outcomes at the pause's end.
#include <algorithm>
#include <memory>

#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include "mta/log/log.hpp"
#include "mta/queue/engine.hpp"
#include "mta/spool/spool_errc.hpp"

namespace mta::queue {
namespace {

// Delivery's pause while the spool cannot record outcomes: short at first (a disk freed at once), doubling
// with each failed retry, so a failing spool costs a write a minute rather than a flood of attempts.
constexpr std::chrono::seconds kSpoolPauseFirst{1}, kSpoolPauseMax{60};

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
