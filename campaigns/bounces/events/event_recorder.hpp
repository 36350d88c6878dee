// event_recorder.hpp — records every delivery attempt in the campaigns database (delivery_events, kind
// attempt), off the engine: submit() (the engine's on_attempt hook) only appends to a bounded queue; a
// thread of its own takes the queue every batch_interval (or at batch_size), labels the events — campaign
// and recipient from a valid VERP token in the sender (local+TOKEN@domain, checked with the secret; none
// or forged: NULL), class, severity and rule for deferred, bounced and expired from the classifier — and
// commits them through BounceOutcomes (which suppresses as the policy says), one transaction per batch
// together with the accounting log's checkpoint (the position after the batch's last line).
// Restart safety (issue 16, "a daemon restart loses no event of a recorded attempt"): the accounting log
// is written (one write(2)) before the spool records the outcome, and on start the recorder replays the
// log from the checkpoint (accounting_replay.hpp) before it takes the queue; inserts are idempotent
// (event_key), so the lines both replayed and queued are recorded once. A full queue drops the attempt
// (counted, logged, the engine never waits) and stops the checkpoint from advancing; a batch the database
// refuses likewise; both are then recovered by replaying the log from the checkpoint on this thread.
// Its connection runs with synchronous=NORMAL (no fsync per batch): a batch lost with its checkpoint in a
// power cut is replayed from the log like any other.
// Errors: start() returns a message naming the database; later failures are logged and counted.
// Untrusted input: senders (tokens are MAC-checked) and replies (bound as SQL parameters).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "campaigns/bounces/bounce_class.hpp"
#include "campaigns/bounces/events/bounce_outcomes.hpp"
#include "campaigns/store/database.hpp"
#include "campaigns/tokens/token_secret.hpp"
#include "mta/delivery/accounting_log.hpp"
#include "mta/server/metrics.hpp"

namespace campaigns {

inline constexpr std::string_view kAccountingCheckpoint = "accounting-log";

using Classify = std::function<Classification(std::string_view reply)>;

struct RecorderOptions {
  std::filesystem::path accounting_log;  // replayed from the checkpoint; empty: no replay, no checkpoint
  std::size_t queue_capacity = 100000;   // attempts waiting; ~1 KiB each
  // Events per transaction at most, and how often the queue is taken. Larger batches write each index
  // page once for many events (bench/e2e.sh: 100 ms batches cost 7 % of the rate, 1 s ones less).
  std::size_t batch_size = 10000;
  std::chrono::milliseconds batch_interval{1000};
  SoftBouncePolicy policy;
};

class EventRecorder {
 public:
  struct Started;
  static Started start(const std::filesystem::path& database, std::optional<TokenSecret> secret,
                       Classify classify, RecorderOptions options, mta::server::Metrics& metrics);
  ~EventRecorder();  // stop()
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // Queues an attempt; position: where its accounting-log line ends (inode 0: not in the log). Thread-safe;
  // never waits for the database.
  void submit(const mta::delivery::Attempt& attempt, const mta::delivery::LogPosition& position);
  // Waits until what was submitted before (and the replay at start) is committed or has failed.
  void flush();
  // Records what is queued, then ends the thread. Idempotent.
  void stop();

  // The event of an attempt as the recorder stores it: ids from the token, the classification.
  DeliveryEvent label(const mta::delivery::Attempt& attempt) const;

 private:
  struct Item {
    mta::delivery::Attempt attempt;
    mta::delivery::LogPosition position;
  };
  EventRecorder(std::unique_ptr<Database> db, std::optional<TokenSecret> secret, Classify classify,
                RecorderOptions options, mta::server::Metrics& metrics);
  void run();
  // Commits items in batches; the checkpoint advances with them unless advance is false.
  bool commit(std::vector<Item>& items, bool advance);
  bool commit_batch(const std::vector<DeliveryEvent>& events, const mta::delivery::LogPosition* checkpoint);
  // Replays the accounting log from the stored checkpoint; false when the database failed.
  bool replay();

  std::unique_ptr<Database> db_;
  BounceOutcomes outcomes_;
  std::optional<TokenSecret> secret_;
  Classify classify_;
  RecorderOptions options_;
  mta::server::Metrics& metrics_;

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<Item> queue_;
  std::uint64_t dropped_ = 0;    // since the thread last looked (under mutex_)
  std::uint64_t submitted_ = 0;  // items accepted or dropped, ever
  std::uint64_t handled_ = 0;    // of those, taken by the thread and dealt with
  bool started_ = false;         // the replay at start is over
  bool flushing_ = false;
  bool stopping_ = false;
  bool finished_ = false;  // the thread has ended: submit() drops, flush() returns
  std::thread thread_;
};

struct EventRecorder::Started {
  std::unique_ptr<EventRecorder> recorder;
  std::string error;
};

}  // namespace campaigns
