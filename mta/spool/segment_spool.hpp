// segment_spool.hpp — the Spool on disk: an append-only log of checksummed records in segment files
// (DIR/queue/NNNNNNNNNN.seg), with group commit: appends from concurrent sessions are written at once and
// share one fdatasync, done by a commit thread; each completion runs after the fsync covering its record.
// Recovery (open) replays the segments in order and truncates a torn tail, so a record cut short by a
// crash is never seen. Compaction deletes the oldest segment once no queued message lives in it,
// relocating the few long-lived messages of a mostly-dead oldest segment to the head first.
// Errors: I/O errors are errno codes. After any failed fsync of a spool file (Linux reports a writeback
// error to one caller only, so no later success can be trusted) the spool acknowledges nothing more until
// it is reopened: appends fail with spool_errc::unavailable, and what was written but never acknowledged
// is noted (queue/unacknowledged) so that recovery drops it instead of queueing mail the client will resend.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "mta/spool/record.hpp"
#include "mta/spool/spool.hpp"

namespace mta::spool {

struct SegmentSpoolOptions {
  std::filesystem::path directory;
  std::uint64_t segment_bytes = 64ull << 20;  // a new segment starts past this size
  bool sync = true;                           // false only for benchmarks of the non-durable baseline
  std::chrono::milliseconds compact_interval{10'000};  // 0: only when compact() is called
};

struct RecoveryReport {
  std::uint64_t segments = 0;
  std::uint64_t records = 0;
  std::uint64_t messages = 0;
  std::uint64_t torn_bytes = 0;            // bytes dropped from torn or damaged segment tails
  std::uint64_t unacknowledged_bytes = 0;  // records written but refused after a failed sync, dropped
};

class SegmentSpool final : public Spool {
 public:
  // Creates the directory if needed, recovers what is there and starts the commit thread.
  static std::unique_ptr<SegmentSpool> open(const SegmentSpoolOptions& options, std::error_code& ec,
                                            RecoveryReport* report = nullptr);
  ~SegmentSpool() override;  // completes every pending append first

  void store(Envelope envelope, std::string body, StoreDone done) override;
  void update_recipient(QueueId id, std::uint32_t index, RecipientState state, Done done) override;
  void set_held(QueueId id, bool held, Done done) override;
  void set_delay_warned(QueueId id, Done done) override;
  void remove(QueueId id, Done done) override;

  void walk(const std::function<bool(const MessageSummary&)>& visit) const override;
  std::error_code load(QueueId id, StoredMessage& out) const override;
  std::error_code load_envelope(QueueId id, Envelope& out) const override;
  SpoolStats stats() const override;

  // Deletes dead oldest segments (relocating stragglers); runs on its own every compact_interval.
  std::error_code compact();

 private:
  struct File;
  struct Segment {
    std::shared_ptr<File> file;
    std::uint64_t size = 0;
    std::uint64_t live_bytes = 0;
    std::uint32_t live_count = 0;
  };
  struct PackedState {
    std::int64_t next_attempt = 0;
    std::uint32_t route_target = 0;  // index into route_targets_
    std::uint16_t attempts = 0;
    RecipientStatus status = RecipientStatus::pending;
    RouteKind route_kind = RouteKind::mx;
  };
  struct Entry {
    std::uint64_t offset = 0;
    std::int64_t received_at = 0;
    std::uint64_t size = 0;
    std::uint32_t segment = 0;
    std::uint32_t length = 0;
    bool held = false;
    bool delay_warned = false;
    std::vector<PackedState> recipients;
  };
  struct Pending {
    std::uint64_t end;
    Done done;
    std::uint64_t message = 0;  // the id of a stored message, whose entry goes if the store is refused
  };

  explicit SegmentSpool(const SegmentSpoolOptions& options);
  std::error_code recover(RecoveryReport& report);
  static constexpr std::uint32_t kAnyRecipient = 0xFFFFFFFF;
  std::error_code check_exists(QueueId id, std::uint32_t recipient) const;
  std::error_code start_segment();
  bool apply(RecordType type, std::string_view payload, std::uint32_t segment, std::uint64_t offset,
             std::uint64_t size);
  std::error_code append_locked(RecordType type, const std::string& payload);
  void append(RecordType type, std::string payload, Done done);
  std::error_code read_record(const Entry& entry, std::shared_ptr<File> file, std::string& out) const;
  std::error_code load_locked_or_file(QueueId id, Envelope& envelope, std::string* body) const;
  PackedState pack(const RecipientState& state);
  RecipientState unpack(const PackedState& state) const;
  // Syncs one spool file; all syncs go through here, one at a time, and once one has failed every later
  // call returns that error without trusting a new success.
  std::error_code sync_file(int fd, bool data_only, const std::filesystem::path& path);
  // Called with mutex_ held: the spool refuses appends from now on, and notes where the unacknowledged
  // part of the current segment starts for the next recovery.
  void fail_locked(std::error_code ec);
  void erase_locked(std::unordered_map<std::uint64_t, Entry>::iterator it);
  void commit_loop();
  void compact_loop();
  void fsync_directory();

  SegmentSpoolOptions options_;
  std::filesystem::path queue_dir_;
  int dir_fd_ = -1;

  mutable std::mutex mutex_;
  std::mutex sync_mutex_;       // taken after mutex_ when both are held, never before it
  std::error_code sync_error_;  // under sync_mutex_
  std::condition_variable wake_commit_;
  std::condition_variable wake_compact_;
  bool stopping_ = false;
  std::error_code failed_;
  std::map<std::uint32_t, Segment> segments_;
  std::uint32_t current_ = 0;
  std::uint64_t written_ = 0;  // logical bytes appended since start, across segments
  std::uint64_t durable_ = 0;  // logical bytes known to be on stable storage
  std::deque<Pending> pending_;
  std::unordered_map<std::uint64_t, Entry> index_;
  std::vector<std::string> route_targets_{""};
  std::unordered_map<std::string, std::uint32_t> route_target_ids_{{"", 0}};
  std::uint64_t next_id_ = 1;
  std::uint64_t commits_ = 0;
  std::uint64_t records_ = 0;

  std::thread committer_;
  std::thread compactor_;
};

}  // namespace mta::spool
