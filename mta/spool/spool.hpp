// spool.hpp — mta::Spool, the durable message store both sides share (outbound queue, inbound forwarding).
// store() reports success only once the message and its envelope are on stable storage; every later
// change (a recipient's state, hold, removal) is durable when its completion runs. Completions run on the
// spool's own thread: post them to your executor. Errors are std::error_code (spool_errc or errno values).
// The delivery side walks the queue, loads messages, updates recipients and removes finished messages.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include "mta/spool/envelope.hpp"
#include "mta/spool/queue_id.hpp"

namespace mta::spool {

// What stays in memory per message: enough to schedule delivery without touching the disk.
struct MessageSummary {
  QueueId id;
  std::int64_t received_at = 0;
  std::uint64_t size = 0;  // body bytes
  bool held = false;
  std::vector<RecipientState> recipients;
};

struct SpoolStats {
  std::uint64_t messages = 0;
  std::uint64_t recipients_pending = 0;
  std::uint64_t held = 0;
  std::uint64_t segments = 0;
  std::uint64_t disk_bytes = 0;  // all segment files
  std::uint64_t live_bytes = 0;  // records of messages still queued
  std::uint64_t commits = 0;     // fsyncs done for acknowledgements (group commits)
  std::uint64_t records = 0;     // records appended since start
  bool failed = false;           // a write or sync failed: nothing more is acknowledged until a restart
};

using StoreDone = std::function<void(std::error_code, QueueId)>;
using Done = std::function<void(std::error_code)>;

class Spool {
 public:
  virtual ~Spool() = default;

  virtual void store(Envelope envelope, std::string body, StoreDone done) = 0;
  virtual void update_recipient(QueueId id, std::uint32_t index, RecipientState state, Done done) = 0;
  virtual void set_held(QueueId id, bool held, Done done) = 0;
  virtual void remove(QueueId id, Done done) = 0;
  // Notes that the sender got a delay warning for the message, so it never gets a second one.
  virtual void set_delay_warned(QueueId id, Done done) = 0;

  // Visits every queued message in id (arrival) order until visit returns false.
  virtual void walk(const std::function<bool(const MessageSummary&)>& visit) const = 0;
  virtual std::error_code load(QueueId id, StoredMessage& out) const = 0;
  virtual std::error_code load_envelope(QueueId id, Envelope& out) const = 0;
  virtual SpoolStats stats() const = 0;

  // Blocking forms, for tools and tests (never from an I/O thread).
  std::error_code store_wait(Envelope envelope, std::string body, QueueId& id);
  std::error_code update_recipient_wait(QueueId id, std::uint32_t index, RecipientState state);
  std::error_code set_held_wait(QueueId id, bool held);
  std::error_code remove_wait(QueueId id);
  std::error_code set_delay_warned_wait(QueueId id);
};

}  // namespace mta::spool
