#include "campaigns/bounces/events/event_recorder.hpp"

#include "campaigns/bounces/events/accounting_replay.hpp"
#include "campaigns/bounces/parse/bounce_token.hpp"
#include "campaigns/tokens/verp.hpp"
#include "mta/log/log.hpp"

namespace campaigns {
namespace {

using mta::delivery::LogPosition;

}  // namespace

EventRecorder::Started EventRecorder::start(const std::filesystem::path& database,
                                            std::optional<TokenSecret> secret, Classify classify,
                                            RecorderOptions options, mta::server::Metrics& metrics) {
  auto opened = Database::open(database);
  if (!opened.database) return {nullptr, opened.error};
  // No fsync per batch: a batch lost with its checkpoint in a power cut is replayed from the log.
  try {
    Statement(*opened.database, "PRAGMA synchronous=NORMAL").step();
  } catch (const StoreError& e) {
    return {nullptr, e.what()};
  }
  std::unique_ptr<EventRecorder> recorder(new EventRecorder(
      std::move(opened.database), std::move(secret), std::move(classify), std::move(options), metrics));
  recorder->thread_ = std::thread([raw = recorder.get()] { raw->run(); });
  return {std::move(recorder), ""};
}

EventRecorder::EventRecorder(std::unique_ptr<Database> db, std::optional<TokenSecret> secret,
                             Classify classify, RecorderOptions options, mta::server::Metrics& metrics)
    : db_(std::move(db)),
      outcomes_(*db_, options.policy),
      secret_(std::move(secret)),
      classify_(std::move(classify)),
      options_(std::move(options)),
      metrics_(metrics) {}

EventRecorder::~EventRecorder() {
  stop();
}

void EventRecorder::submit(const mta::delivery::Attempt& attempt, const LogPosition& position) {
  Item item{attempt, position};
  std::lock_guard lock(mutex_);
  ++submitted_;
  if (queue_.size() >= options_.queue_capacity || finished_) {
    if (dropped_++ == 0)
      mta::log::warn("events.queue_full", {{"capacity", static_cast<std::int64_t>(options_.queue_capacity)},
                                           {"recovery", "replaying the accounting log"}});
    ++metrics_.event_queue_overflows;
    return;
  }
  queue_.push_back(std::move(item));
  if (queue_.size() >= options_.batch_size) wake_.notify_one();
}

void EventRecorder::flush() {
  std::unique_lock lock(mutex_);
  auto target = submitted_;
  flushing_ = true;
  wake_.notify_one();
  done_.wait(lock, [&] { return (started_ && handled_ >= target) || finished_; });
  flushing_ = false;
}

void EventRecorder::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  done_.notify_all();
}

DeliveryEvent EventRecorder::label(const mta::delivery::Attempt& attempt) const {
  DeliveryEvent event = attempt_event(attempt);
  if (secret_) {
    // The same reading of local+TOKEN@domain as a bounce's return path gets.
    auto check = check_verp_candidate(*secret_, attempt.sender);
    if (check.status == TokenStatus::valid && check.ids) {
      event.campaign_id = check.ids->campaign.str();
      event.recipient_id = check.ids->recipient.str();
    }
  }
  if (classify_ && attempt.result != "delivered")
    event.classification = attempt.result == "expired"
                               ? classify_("delivery time expired; last error: " + attempt.reply)
                               : classify_(attempt.reply);
  return event;
}

void EventRecorder::run() {
  bool replay_needed = !options_.accounting_log.empty();  // at start: what the last run left unrecorded
  for (;;) {
    if (replay_needed) replay_needed = !replay();
    std::vector<Item> items;
    std::uint64_t dropped = 0;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      if (!started_) started_ = true;
      done_.notify_all();
      auto wait = replay_needed ? std::chrono::milliseconds(1000) : options_.batch_interval;
      wake_.wait_for(lock, wait, [&] {
        return stopping_ || flushing_ || (!replay_needed && queue_.size() >= options_.batch_size);
      });
      items.swap(queue_);
      std::swap(dropped, dropped_);
      stopping = stopping_;
    }
    // An attempt dropped before (or among) these must be replayed before the checkpoint passes it.
    if (dropped > 0 && !options_.accounting_log.empty()) replay_needed = true;
    if (!commit(items, !replay_needed) && !options_.accounting_log.empty()) replay_needed = true;
    if (replay_needed) replay_needed = !replay();
    std::lock_guard lock(mutex_);
    handled_ += items.size() + dropped;
    done_.notify_all();
    if (stopping && queue_.empty()) {
      handled_ += std::exchange(dropped_, 0);
      finished_ = true;
      done_.notify_all();
      break;
    }
  }
}

bool EventRecorder::commit(std::vector<Item>& items, bool advance) {
  bool ok = true;
  std::vector<DeliveryEvent> events;
  for (std::size_t begin = 0; begin < items.size(); begin += options_.batch_size) {
    std::size_t end = std::min(items.size(), begin + options_.batch_size);
    events.clear();
    const LogPosition* checkpoint = nullptr;
    for (std::size_t i = begin; i < end; ++i) {
      events.push_back(label(items[i].attempt));
      if (items[i].position.inode != 0) checkpoint = &items[i].position;
    }
    if (!advance || options_.accounting_log.empty()) checkpoint = nullptr;
    if (!commit_batch(events, checkpoint)) ok = advance = false;  // later batches must not pass this one
  }
  return ok;
}

bool EventRecorder::commit_batch(const std::vector<DeliveryEvent>& events, const LogPosition* checkpoint) {
  try {
    auto counts = outcomes_.record(events, nullptr, kAccountingCheckpoint, checkpoint);
    metrics_.events_recorded += counts.inserted;
    ++metrics_.event_batches;
    for (std::size_t i = 0; i < counts.suppressed.size(); ++i)
      metrics_.bounce_suppressions[i] += counts.suppressed[i];
    return true;
  } catch (const StoreError& e) {
    ++metrics_.event_failures;
    mta::log::error("events.record_failed",
                    {{"error", e.what()}, {"events", static_cast<std::int64_t>(events.size())}});
    return false;
  }
}

bool EventRecorder::replay() {
  std::optional<LogPosition> from;
  try {
    from = outcomes_.checkpoint(kAccountingCheckpoint);
  } catch (const StoreError& e) {
    ++metrics_.event_failures;
    mta::log::error("events.replay_failed", {{"error", e.what()}});
    return false;
  }
  bool ok = true;
  std::vector<DeliveryEvent> batch;
  LogPosition last;
  auto result = replay_accounting_log(options_.accounting_log, from,
                                      [&](const mta::delivery::Attempt& attempt, const LogPosition& after) {
                                        if (!ok) return;
                                        batch.push_back(label(attempt));
                                        last = after;
                                        if (batch.size() >= options_.batch_size) {
                                          ok = commit_batch(batch, &last);
                                          batch.clear();
                                        }
                                      });
  metrics_.events_replayed += result.lines;
  metrics_.event_lines_damaged += result.damaged;
  // The checkpoint goes to the end of what was read, past damaged lines at the end too.
  if (ok && result.end.inode != 0)
    ok = commit_batch(batch, &result.end);
  else if (ok && !batch.empty())
    ok = commit_batch(batch, &last);
  if (result.checkpoint_lost)
    mta::log::warn("events.checkpoint_lost",
                   {{"log", options_.accounting_log.string()},
                    {"detail", "the checkpoint's file is gone; replayed the current log from its start"}});
  if (result.lines > 0 || result.damaged > 0)
    mta::log::info("events.replayed", {{"lines", static_cast<std::int64_t>(result.lines)},
                                       {"damaged", static_cast<std::int64_t>(result.damaged)}});
  if (!result.error.empty()) {
    mta::log::error("events.replay_failed", {{"error", result.error}});
    return false;
  }
  return ok;
}

}  // namespace campaigns
