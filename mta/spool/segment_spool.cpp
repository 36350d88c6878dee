#include "mta/spool/segment_spool.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "mta/log/log.hpp"
#include "mta/spool/spool_errc.hpp"

namespace mta::spool {
namespace {

std::error_code errno_code() {
  return {errno, std::generic_category()};
}

std::string segment_name(std::uint32_t number) {
  std::string digits = std::to_string(number);
  return std::string(10 - std::min<std::size_t>(10, digits.size()), '0') + digits + ".seg";
}

std::optional<std::uint32_t> parse_segment_name(const std::string& name) {
  if (name.size() != 14 || !name.ends_with(".seg")) return std::nullopt;
  std::uint32_t number = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + 10, number);
  if (ec != std::errc() || end != name.data() + 10 || number == 0) return std::nullopt;
  return number;
}

bool write_all(int fd, const char* data, std::size_t size, off_t offset) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += n;
  }
  return true;
}

bool read_all(int fd, char* data, std::size_t size, off_t offset) {
  while (size > 0) {
    ssize_t n = ::pread(fd, data, size, offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) {
      errno = EIO;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += n;
  }
  return true;
}

// After a failed sync: "SEGMENT OFFSET", where the records nobody was told are stored begin.
constexpr const char* kUnacknowledged = "unacknowledged";

struct CutMarker {
  std::uint32_t segment = 0;
  std::uint64_t offset = 0;
};

std::optional<CutMarker> read_cut_marker(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string name;
  CutMarker marker;
  if (!(in >> name >> marker.offset)) return std::nullopt;
  auto number = parse_segment_name(name);
  if (!number) return std::nullopt;
  marker.segment = *number;
  return marker;
}

std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct SegmentSpool::File {
  explicit File(int f) : fd(f) {}
  ~File() {
    if (fd >= 0) ::close(fd);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  int fd;
};

SegmentSpool::SegmentSpool(const SegmentSpoolOptions& options)
    : options_(options), queue_dir_(options.directory / "queue") {}

std::unique_ptr<SegmentSpool> SegmentSpool::open(const SegmentSpoolOptions& options, std::error_code& ec,
                                                 RecoveryReport* report) {
  std::unique_ptr<SegmentSpool> spool(new SegmentSpool(options));
  std::filesystem::create_directories(spool->queue_dir_, ec);
  if (ec) return nullptr;
  ::chmod(options.directory.c_str(), 0700);
  spool->dir_fd_ = ::open(spool->queue_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (spool->dir_fd_ < 0) {
    ec = errno_code();
    return nullptr;
  }
  RecoveryReport local;
  ec = spool->recover(report ? *report : local);
  if (!ec) ec = spool->start_segment();
  if (ec) return nullptr;
  spool->committer_ = std::thread([s = spool.get()] { s->commit_loop(); });
  if (options.compact_interval.count() > 0)
    spool->compactor_ = std::thread([s = spool.get()] { s->compact_loop(); });
  return spool;
}

SegmentSpool::~SegmentSpool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_commit_.notify_all();
  wake_compact_.notify_all();
  if (committer_.joinable()) committer_.join();
  if (compactor_.joinable()) compactor_.join();
  segments_.clear();
  if (dir_fd_ >= 0) ::close(dir_fd_);
}

void SegmentSpool::fsync_directory() {
  if (auto ec = sync_file(dir_fd_, false, queue_dir_)) fail_locked(ec);
}

std::error_code SegmentSpool::sync_file(int fd, bool data_only, const std::filesystem::path& path) {
  if (!options_.sync) return {};
  std::lock_guard lock(sync_mutex_);
  if (!sync_error_ && (data_only ? ::fdatasync(fd) : ::fsync(fd)) != 0) {
    sync_error_ = errno_code();
    log::error("spool.sync_failed", {{"file", path.string()}, {"error", sync_error_.message()}});
  }
  return sync_error_;
}

void SegmentSpool::fail_locked(std::error_code ec) {
  if (failed_) return;
  failed_ = ec;
  // Sealed segments are synced whole, so every byte not known durable is at the current segment's end.
  Segment& segment = segments_[current_];
  std::uint64_t unacknowledged = std::min(written_ - durable_, segment.size);
  std::uint64_t cut = segment.size - unacknowledged;
  auto path = queue_dir_ / kUnacknowledged;
  std::string text = segment_name(current_) + " " + std::to_string(cut) + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool synced = fd >= 0 && write_all(fd, text.data(), text.size(), 0) &&
                (!options_.sync || (::fsync(fd) == 0 && ::fsync(dir_fd_) == 0));
  if (fd >= 0) ::close(fd);
  // Best effort on a failing disk (the note may be read even when its sync failed): without it, recovery
  // keeps those records, and a client that retries the refused message has it delivered twice.
  log::error("spool.failed", {{"error", ec.message()},
                              {"segment", segment_name(current_)},
                              {"unacknowledged_bytes", static_cast<std::int64_t>(unacknowledged)},
                              {"note_synced", synced},
                              {"action",
                               "nothing more is acknowledged; restart serve once the disk is "
                               "checked (recovery drops what was refused)"}});
}

std::error_code SegmentSpool::recover(RecoveryReport& report) {
  std::vector<std::uint32_t> numbers;
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(queue_dir_, ec)) {
    if (auto n = parse_segment_name(item.path().filename().string())) numbers.push_back(*n);
  }
  if (ec) return ec;
  std::sort(numbers.begin(), numbers.end());
  auto marker_path = queue_dir_ / kUnacknowledged;
  auto marker = read_cut_marker(marker_path);
  for (std::uint32_t number : numbers) {
    auto path = queue_dir_ / segment_name(number);
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno_code();
    auto file = std::make_shared<File>(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return errno_code();
    std::string data(static_cast<std::size_t>(st.st_size), '\0');
    if (!read_all(fd, data.data(), data.size(), 0)) return errno_code();
    if (marker && marker->segment == number && marker->offset < data.size()) {
      // Refused after a failed sync (see fail_locked): never acknowledged, so never queued.
      report.unacknowledged_bytes += data.size() - marker->offset;
      log::warn("spool.unacknowledged_dropped",
                {{"segment", path.string()},
                 {"offset", static_cast<std::int64_t>(marker->offset)},
                 {"dropped_bytes", static_cast<std::int64_t>(data.size() - marker->offset)}});
      if (::ftruncate(fd, static_cast<off_t>(marker->offset)) != 0 || (options_.sync && ::fsync(fd) != 0))
        return errno_code();
      data.resize(marker->offset);
    }
    Segment& segment = segments_[number];
    segment.file = file;
    std::size_t offset = 0;
    while (offset < data.size()) {
      auto record = decode_record(std::string_view(data).substr(offset));
      if (record.status == DecodeStatus::unsupported) {
        // Written by a newer version (after a downgrade): skipping it could resend or lose mail, and
        // cutting it off would destroy acknowledged messages. Leave every file as it is and refuse.
        log::error("spool.unknown_record", {{"segment", path.string()},
                                            {"offset", static_cast<std::int64_t>(offset)},
                                            {"type", static_cast<std::int64_t>(record.type)}});
        return make_error_code(spool_errc::newer_format);
      }
      if (record.status != DecodeStatus::ok) break;
      if (!apply(record.type, record.payload, number, offset, record.size)) {
        // Intact but unreadable: fields a newer version added (or a bug). Dropping it could lose mail.
        log::error("spool.unreadable_record", {{"segment", path.string()},
                                               {"offset", static_cast<std::int64_t>(offset)},
                                               {"type", static_cast<std::int64_t>(record.type)}});
        return make_error_code(spool_errc::newer_format);
      }
      offset += record.size;
      ++report.records;
    }
    if (offset < data.size()) {
      // A torn tail (crash mid-append) or damage: nothing after it was ever acknowledged as a whole
      // record in this segment, because appends are sequential. Cut it off so it is never read.
      report.torn_bytes += data.size() - offset;
      log::warn("spool.torn_tail", {{"segment", path.string()},
                                    {"offset", static_cast<std::int64_t>(offset)},
                                    {"dropped_bytes", static_cast<std::int64_t>(data.size() - offset)}});
      if (::ftruncate(fd, static_cast<off_t>(offset)) != 0 || (options_.sync && ::fsync(fd) != 0))
        return errno_code();
    }
    segment.size = offset;
    ++report.segments;
  }
  if (std::filesystem::exists(marker_path)) {
    // Applied (and the cut synced) above, or about a segment that is gone: either way done with.
    if (::unlink(marker_path.c_str()) != 0 || (options_.sync && ::fsync(dir_fd_) != 0)) return errno_code();
  }
  report.messages = index_.size();
  std::uint64_t max_id = 0;
  for (const auto& [id, entry] : index_)
    max_id = std::max(max_id, id);
  next_id_ = max_id + 1;
  current_ = numbers.empty() ? 0 : numbers.back();
  return {};
}

std::error_code SegmentSpool::start_segment() {
  std::uint32_t number = current_ + 1;
  auto path = queue_dir_ / segment_name(number);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno_code();
  Segment& segment = segments_[number];
  segment.file = std::make_shared<File>(fd);
  current_ = number;
  fsync_directory();
  return failed_;
}

SegmentSpool::PackedState SegmentSpool::pack(const RecipientState& state) {
  PackedState packed;
  packed.next_attempt = state.next_attempt;
  packed.attempts = state.attempts;
  packed.status = state.status;
  packed.route_kind = state.route.kind;
  auto [it, added] =
      route_target_ids_.emplace(state.route.target, static_cast<std::uint32_t>(route_targets_.size()));
  if (added) route_targets_.push_back(state.route.target);
  packed.route_target = it->second;
  return packed;
}

RecipientState SegmentSpool::unpack(const PackedState& packed) const {
  return {packed.status, packed.attempts, packed.next_attempt,
          Route{packed.route_kind, route_targets_[packed.route_target]}};
}

void SegmentSpool::erase_locked(std::unordered_map<std::uint64_t, Entry>::iterator it) {
  if (auto s = segments_.find(it->second.segment); s != segments_.end()) {
    s->second.live_bytes -= it->second.length;
    s->second.live_count -= 1;
  }
  index_.erase(it);
}

bool SegmentSpool::apply(RecordType type, std::string_view payload, std::uint32_t segment,
                         std::uint64_t offset, std::uint64_t size) {
  QueueId id;
  auto forget = [&](std::unordered_map<std::uint64_t, Entry>::iterator it) {
    if (auto s = segments_.find(it->second.segment); s != segments_.end()) {
      s->second.live_bytes -= it->second.length;
      s->second.live_count -= 1;
    }
  };
  switch (type) {
    case RecordType::message: {
      Envelope envelope;
      std::string_view body;
      if (!decode_message(payload, id, envelope, &body)) return false;
      Entry entry;
      entry.segment = segment;
      entry.offset = offset;
      entry.length = static_cast<std::uint32_t>(size);
      entry.received_at = envelope.received_at;
      entry.size = body.size();
      entry.held = envelope.held;
      entry.delay_warned = envelope.delay_warned;
      entry.recipients.reserve(envelope.recipients.size());
      for (const auto& r : envelope.recipients)
        entry.recipients.push_back(pack(r.state));
      if (auto it = index_.find(id.value()); it != index_.end()) {
        forget(it);
        it->second = std::move(entry);
      } else {
        index_.emplace(id.value(), std::move(entry));
      }
      Segment& s = segments_[segment];
      s.live_bytes += size;
      s.live_count += 1;
      return true;
    }
    case RecordType::recipient: {
      std::uint32_t index;
      RecipientState state;
      if (!decode_recipient(payload, id, index, state)) return false;
      auto it = index_.find(id.value());
      if (it == index_.end() || index >= it->second.recipients.size()) return true;
      it->second.recipients[index] = pack(state);
      return true;
    }
    case RecordType::hold: {
      bool held;
      if (!decode_hold(payload, id, held)) return false;
      if (auto it = index_.find(id.value()); it != index_.end()) it->second.held = held;
      return true;
    }
    case RecordType::delay_warned: {
      if (!decode_delay_warned(payload, id)) return false;
      if (auto it = index_.find(id.value()); it != index_.end()) it->second.delay_warned = true;
      return true;
    }
    case RecordType::remove: {
      if (!decode_remove(payload, id)) return false;
      if (auto it = index_.find(id.value()); it != index_.end()) erase_locked(it);
      return true;
    }
  }
  return false;  // a type decode_record did not report as known
}

std::error_code SegmentSpool::append_locked(RecordType type, const std::string& payload) {
  if (failed_) return make_error_code(spool_errc::unavailable);
  if (stopping_) return make_error_code(spool_errc::shutting_down);
  if (payload.size() > kMaxRecordPayload) return make_error_code(spool_errc::too_large);
  std::string record = encode_record(type, payload);
  Segment* segment = &segments_[current_];
  if (segment->size > 0 && segment->size + record.size() > options_.segment_bytes) {
    // Seal the full segment: everything in it becomes durable now, so waiters on it are covered.
    if (auto ec = sync_file(segment->file->fd, true, queue_dir_ / segment_name(current_))) {
      fail_locked(ec);
      return failed_;
    }
    durable_ = written_;
    if (auto ec = start_segment()) return ec;
    segment = &segments_[current_];
  }
  if (!write_all(segment->file->fd, record.data(), record.size(), static_cast<off_t>(segment->size))) {
    std::error_code ec = errno_code();
    if (::ftruncate(segment->file->fd, static_cast<off_t>(segment->size)) != 0) fail_locked(ec);
    return ec;
  }
  apply(type, payload, current_, segment->size, record.size());
  segment->size += record.size();
  written_ += record.size();
  ++records_;
  return {};
}

void SegmentSpool::append(RecordType type, std::string payload, Done done) {
  std::error_code ec;
  {
    std::lock_guard lock(mutex_);
    ec = append_locked(type, payload);
    if (!ec) pending_.push_back({written_, std::move(done)});
  }
  if (ec) {
    done(ec);
    return;
  }
  wake_commit_.notify_one();
}

void SegmentSpool::commit_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_commit_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, and nothing left to complete
    std::uint64_t target = written_;
    if (!failed_ && durable_ < target) {
      auto file = segments_[current_].file;
      auto path = queue_dir_ / segment_name(current_);
      lock.unlock();
      std::error_code ec = sync_file(file->fd, true, path);
      lock.lock();
      if (ec) fail_locked(ec);
      if (!failed_) durable_ = std::max(durable_, target);
      ++commits_;
    }
    // Once failed, what a successful sync covered before the failure is still acknowledged; the rest is
    // refused, and a refused message leaves the index (recovery drops its record too).
    std::vector<std::pair<Done, std::error_code>> done;
    while (!pending_.empty() && (failed_ || pending_.front().end <= durable_)) {
      Pending& p = pending_.front();
      std::error_code ec = p.end <= durable_ ? std::error_code{} : failed_;
      if (ec && p.message)
        if (auto it = index_.find(p.message); it != index_.end()) erase_locked(it);
      done.emplace_back(std::move(p.done), ec);
      pending_.pop_front();
    }
    lock.unlock();
    for (auto& [d, ec] : done)
      d(ec);
    lock.lock();
  }
}

void SegmentSpool::compact_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (wake_compact_.wait_for(lock, options_.compact_interval, [&] { return stopping_; })) return;
    lock.unlock();
    if (auto ec = compact()) log::warn("spool.compact_failed", {{"error", ec.message()}});
    lock.lock();
  }
}

std::error_code SegmentSpool::compact() {
  std::unique_lock lock(mutex_);
  while (segments_.size() > 1 && segments_.begin()->first != current_) {
    // After a failure nothing is deleted: copies made since may not be on disk.
    if (failed_) return make_error_code(spool_errc::unavailable);
    auto oldest = segments_.begin();
    Segment& segment = oldest->second;
    if (segment.live_count > 0) {
      std::uint64_t sealed_bytes = 0, sealed_live = 0;
      for (const auto& [n, s] : segments_)
        if (n != current_) sealed_bytes += s.size, sealed_live += s.live_bytes;
      bool mostly_dead = segment.live_bytes * 2 < segment.size;
      bool blocking = sealed_bytes > 2 * sealed_live + options_.segment_bytes;
      if (!mostly_dead && !blocking) break;
      // Relocate under the lock, so no state update can slip in between the read and the copy.
      std::uint32_t number = oldest->first;
      std::vector<std::uint64_t> ids;
      for (const auto& [id, entry] : index_)
        if (entry.segment == number) ids.push_back(id);
      std::sort(ids.begin(), ids.end());
      auto file = segment.file;
      for (std::uint64_t id : ids) {
        const Entry& entry = index_.at(id);
        std::string record;
        if (auto ec = read_record(entry, file, record)) return ec;
        auto decoded = decode_record(record);
        QueueId qid;
        Envelope envelope;
        std::string_view body;
        if (decoded.status != DecodeStatus::ok || !decode_message(decoded.payload, qid, envelope, &body))
          return make_error_code(spool_errc::corrupt);
        envelope.held = entry.held;
        envelope.delay_warned = entry.delay_warned;
        for (std::size_t i = 0; i < envelope.recipients.size(); ++i)
          envelope.recipients[i].state = unpack(entry.recipients[i]);
        if (auto ec = append_locked(RecordType::message, encode_message(qid, envelope, body))) return ec;
      }
      std::uint64_t target = written_;
      auto head = segments_[current_].file;
      auto head_path = queue_dir_ / segment_name(current_);
      lock.unlock();
      auto ec = sync_file(head->fd, true, head_path);
      lock.lock();
      if (ec) fail_locked(ec);
      if (failed_) return failed_;
      durable_ = std::max(durable_, target);
      continue;  // the oldest segment is dead now
    }
    auto path = queue_dir_ / segment_name(oldest->first);
    segments_.erase(oldest);
    if (::unlink(path.c_str()) != 0) return errno_code();
    fsync_directory();
  }
  return failed_;
}

void SegmentSpool::store(Envelope envelope, std::string body, StoreDone done) {
  QueueId id;
  std::error_code ec;
  {
    std::lock_guard lock(mutex_);
    std::uint64_t value = std::max<std::uint64_t>(next_id_, static_cast<std::uint64_t>(now_micros()));
    next_id_ = value + 1;
    id = QueueId(value);
    ec = append_locked(RecordType::message, encode_message(id, envelope, body));
    if (!ec) pending_.push_back({written_, [done, id](std::error_code e) { done(e, id); }, id.value()});
  }
  if (ec) {
    done(ec, id);
    return;
  }
  wake_commit_.notify_one();
}

std::error_code SegmentSpool::check_exists(QueueId id, std::uint32_t recipient) const {
  std::lock_guard lock(mutex_);
  auto it = index_.find(id.value());
  if (it == index_.end()) return spool_errc::not_found;
  if (recipient != kAnyRecipient && recipient >= it->second.recipients.size())
    return spool_errc::bad_recipient;
  return {};
}

void SegmentSpool::update_recipient(QueueId id, std::uint32_t index, RecipientState state, Done done) {
  if (auto ec = check_exists(id, index)) return done(ec);
  append(RecordType::recipient, encode_recipient(id, index, state), std::move(done));
}

void SegmentSpool::set_held(QueueId id, bool held, Done done) {
  if (auto ec = check_exists(id, kAnyRecipient)) return done(ec);
  append(RecordType::hold, encode_hold(id, held), std::move(done));
}

void SegmentSpool::set_delay_warned(QueueId id, Done done) {
  if (auto ec = check_exists(id, kAnyRecipient)) return done(ec);
  append(RecordType::delay_warned, encode_delay_warned(id), std::move(done));
}

void SegmentSpool::remove(QueueId id, Done done) {
  if (auto ec = check_exists(id, kAnyRecipient)) return done(ec);
  append(RecordType::remove, encode_remove(id), std::move(done));
}

void SegmentSpool::walk(const std::function<bool(const MessageSummary&)>& visit) const {
  std::vector<std::uint64_t> ids;
  {
    std::lock_guard lock(mutex_);
    ids.reserve(index_.size());
    for (const auto& [id, entry] : index_)
      ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  MessageSummary summary;
  for (std::uint64_t id : ids) {
    {
      std::lock_guard lock(mutex_);
      auto it = index_.find(id);
      if (it == index_.end()) continue;
      summary.id = QueueId(id);
      summary.received_at = it->second.received_at;
      summary.size = it->second.size;
      summary.held = it->second.held;
      summary.recipients.clear();
      for (const auto& p : it->second.recipients)
        summary.recipients.push_back(unpack(p));
    }
    if (!visit(summary)) return;
  }
}

std::error_code SegmentSpool::read_record(const Entry& entry, std::shared_ptr<File> file,
                                          std::string& out) const {
  out.resize(entry.length);
  if (!read_all(file->fd, out.data(), out.size(), static_cast<off_t>(entry.offset))) return errno_code();
  return {};
}

std::error_code SegmentSpool::load_locked_or_file(QueueId id, Envelope& envelope, std::string* body) const {
  Entry entry;
  std::shared_ptr<File> file;
  {
    std::lock_guard lock(mutex_);
    auto it = index_.find(id.value());
    if (it == index_.end()) return spool_errc::not_found;
    entry = it->second;
    file = segments_.at(entry.segment).file;
  }
  std::string record;
  if (auto ec = read_record(entry, file, record)) return ec;
  auto decoded = decode_record(record);
  QueueId stored;
  std::string_view body_view;
  if (decoded.status != DecodeStatus::ok || !decode_message(decoded.payload, stored, envelope, &body_view) ||
      stored != id || envelope.recipients.size() != entry.recipients.size())
    return spool_errc::corrupt;
  if (body) body->assign(body_view);
  std::lock_guard lock(mutex_);
  envelope.held = entry.held;
  envelope.delay_warned = entry.delay_warned;
  for (std::size_t i = 0; i < entry.recipients.size(); ++i)
    envelope.recipients[i].state = unpack(entry.recipients[i]);
  return {};
}

std::error_code SegmentSpool::load(QueueId id, StoredMessage& out) const {
  return load_locked_or_file(id, out.envelope, &out.body);
}

std::error_code SegmentSpool::load_envelope(QueueId id, Envelope& out) const {
  return load_locked_or_file(id, out, nullptr);
}

SpoolStats SegmentSpool::stats() const {
  std::lock_guard lock(mutex_);
  SpoolStats stats;
  stats.messages = index_.size();
  for (const auto& [id, entry] : index_) {
    if (entry.held) ++stats.held;
    for (const auto& r : entry.recipients)
      if (r.status == RecipientStatus::pending) ++stats.recipients_pending;
  }
  stats.segments = segments_.size();
  for (const auto& [n, s] : segments_) {
    stats.disk_bytes += s.size;
    stats.live_bytes += s.live_bytes;
  }
  stats.commits = commits_;
  stats.records = records_;
  stats.failed = static_cast<bool>(failed_);
  return stats;
}

}  // namespace mta::spool
