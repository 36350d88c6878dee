// The spool: ids, record framing (torn and damaged records), durability across reopen, group commit,
// recovery from a torn tail at every byte, per-recipient state, and compaction.
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "mta/spool/record.hpp"
#include "mta/spool/segment_spool.hpp"
#include "mta/spool/spool_errc.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace mta::spool;
using relay::test::TempDir;

struct IdCase {
  std::string text;
  bool valid;
};
class QueueIdParse : public ::testing::TestWithParam<IdCase> {};
TEST_P(QueueIdParse, AcceptsOnlySixteenHexDigits) {
  auto id = QueueId::parse(GetParam().text);
  EXPECT_EQ(id.has_value(), GetParam().valid);
  if (id) {
    EXPECT_EQ(id->to_string(), QueueId(id->value()).to_string());
  }
}
INSTANTIATE_TEST_SUITE_P(Table, QueueIdParse,
                         ::testing::Values(IdCase{"0005F3A2B4C6D8E0", true}, IdCase{"0005f3a2b4c6d8e0", true},
                                           IdCase{"0000000000000000", false}, IdCase{"5F3A2B4C6D8E0", false},
                                           IdCase{"0005F3A2B4C6D8E0A", false},
                                           IdCase{"0005F3A2B4C6D8EG", false},
                                           IdCase{"../../etc/passwd", false}, IdCase{"", false}));

TEST(QueueId, RoundTripsAndSorts) {
  QueueId a(0x0005F3A2B4C6D8E0), b(0x0005F3A2B4C6D8E1);
  EXPECT_EQ(a.to_string(), "0005F3A2B4C6D8E0");
  EXPECT_EQ(QueueId::parse(a.to_string()), a);
  EXPECT_LT(a, b);
}

Envelope sample_envelope(int recipients = 2) {
  Envelope e;
  e.sender = "sender@example.com";
  e.received_at = 1'800'000'000;
  e.client_address = "127.0.0.1";
  e.helo = "client.example";
  e.auth_user = "alice";
  e.listener = "submission";
  for (int i = 0; i < recipients; ++i)
    e.recipients.push_back({"rcpt" + std::to_string(i) + "@example.net", {}, 0, ""});
  return e;
}

TEST(Record, Crc32cKnownAnswers) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);  // RFC 3720 B.4's check value
  EXPECT_EQ(crc32c(""), 0u);
  std::string input;
  for (int i = 0; i < 1000; ++i)
    input.push_back(static_cast<char>(i * 7 + 3));
  std::string_view view = input;
  for (std::size_t split : {0, 1, 7, 8, 9, 500, 999})  // 8-byte steps and tails, chained
    EXPECT_EQ(crc32c(view.substr(split), crc32c(view.substr(0, split))), crc32c(view)) << split;
}

TEST(Record, MessageRoundTrips) {
  Envelope e = sample_envelope();
  e.recipients[1].state = {RecipientStatus::failed, 3, 1234, Route{RouteKind::backend, "10.0.0.1:25"}};
  std::string record = encode_record(RecordType::message, encode_message(QueueId(42), e, "body\r\n"));
  auto decoded = decode_record(record);
  ASSERT_EQ(decoded.status, DecodeStatus::ok);
  EXPECT_EQ(decoded.size, record.size());
  QueueId id;
  Envelope back;
  std::string_view body;
  ASSERT_TRUE(decode_message(decoded.payload, id, back, &body));
  EXPECT_EQ(id, QueueId(42));
  EXPECT_EQ(back, e);
  EXPECT_EQ(body, "body\r\n");
}

// The envelope's flags byte: bit 0 held, bit 1 delay warning sent, bit 2 DSN parameters follow. Spools
// written before the delay warning hold 0 or 1 there and still read; any other bit is damage.
TEST(Record, EnvelopeFlagsRoundTripAndUnknownBitsAreRejected) {
  for (int flags = 0; flags < 4; ++flags) {
    Envelope e = sample_envelope();
    e.held = (flags & 1) != 0;
    e.delay_warned = (flags & 2) != 0;
    QueueId id;
    Envelope back;
    ASSERT_TRUE(decode_message(encode_message(QueueId(5), e, "b"), id, back, nullptr)) << flags;
    EXPECT_EQ(back, e) << flags;
  }
  std::string payload = encode_message(QueueId(5), sample_envelope(), "b");
  // The flags byte follows the listener string ("submission") inside the envelope string.
  auto at = payload.find("submission") + std::string("submission").size();
  ASSERT_EQ(payload[at], 0);
  payload[at] = 8;
  QueueId id;
  Envelope back;
  EXPECT_FALSE(decode_message(payload, id, back, nullptr));
  payload[at] = 4;  // says DSN parameters follow, and none do
  EXPECT_FALSE(decode_message(payload, id, back, nullptr));
}

// RFC 3461 parameters are kept with the message; a message without them is written as before.
TEST(Record, DsnParametersRoundTrip) {
  Envelope plain = sample_envelope();
  Envelope e = plain;
  e.ret = 1;
  e.envid = "QQ314159";
  e.recipients[0].notify = 2 | 4;
  e.recipients[0].orcpt = "rfc822;original@example.net";
  QueueId id;
  Envelope back;
  auto payload = encode_message(QueueId(5), e, "b");
  ASSERT_TRUE(decode_message(payload, id, back, nullptr));
  EXPECT_EQ(back, e);
  EXPECT_GT(payload.size(), encode_message(QueueId(5), plain, "b").size());
  auto at = payload.find("submission") + std::string("submission").size();
  EXPECT_EQ(payload[at], 4);
}

TEST(Record, EveryTruncationIsIncompleteNeverOk) {
  std::string record =
      encode_record(RecordType::message, encode_message(QueueId(7), sample_envelope(), "hello"));
  for (std::size_t n = 0; n < record.size(); ++n)
    EXPECT_EQ(decode_record(std::string_view(record).substr(0, n)).status, DecodeStatus::incomplete) << n;
}

TEST(Record, EveryFlippedByteIsDetected) {
  std::string record = encode_record(RecordType::remove, encode_remove(QueueId(7)));
  for (std::size_t i = 0; i < record.size(); ++i) {
    std::string damaged = record;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x20);
    EXPECT_NE(decode_record(damaged).status, DecodeStatus::ok) << i;
  }
}

// A whole record of a type this version does not know is not damage: it is reported as unsupported, and
// a flipped bit in it is still corrupt.
TEST(Record, UnknownTypeWithAValidChecksumIsUnsupported) {
  std::string record = encode_record(static_cast<RecordType>(9), "future payload");
  auto decoded = decode_record(record);
  EXPECT_EQ(decoded.status, DecodeStatus::unsupported);
  EXPECT_EQ(static_cast<int>(decoded.type), 9);
  EXPECT_FALSE(decode_header(record));
  std::string damaged = record;
  damaged.back() = static_cast<char>(damaged.back() ^ 1);
  EXPECT_EQ(decode_record(damaged).status, DecodeStatus::corrupt);
}

TEST(Record, MalformedPayloadsAreRejected) {
  QueueId id;
  Envelope e;
  EXPECT_FALSE(decode_message("", id, e, nullptr));
  std::string payload = encode_message(QueueId(9), sample_envelope(), "x");
  EXPECT_FALSE(decode_message(payload.substr(0, payload.size() - 1), id, e, nullptr));
  EXPECT_FALSE(decode_message(payload + "z", id, e, nullptr));
  EXPECT_FALSE(decode_remove(encode_remove(QueueId(0)), id));
}

std::unique_ptr<SegmentSpool> open_spool(const std::filesystem::path& dir,
                                         std::uint64_t segment_bytes = 1 << 20,
                                         RecoveryReport* report = nullptr) {
  std::error_code ec;
  auto spool = SegmentSpool::open({dir, segment_bytes, true, std::chrono::milliseconds(0)}, ec, report);
  EXPECT_FALSE(ec) << ec.message();
  return spool;
}

std::vector<std::filesystem::path> segment_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& item : std::filesystem::directory_iterator(dir / "queue"))
    files.push_back(item.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(SegmentSpool, StoredMessageSurvivesReopen) {
  TempDir dir;
  QueueId id;
  {
    auto spool = open_spool(dir.path());
    ASSERT_FALSE(spool->store_wait(sample_envelope(), "Subject: hi\r\n\r\nbody\r\n", id));
  }
  RecoveryReport report;
  auto spool = open_spool(dir.path(), 1 << 20, &report);
  EXPECT_EQ(report.messages, 1u);
  EXPECT_EQ(report.torn_bytes, 0u);
  StoredMessage message;
  ASSERT_FALSE(spool->load(id, message));
  EXPECT_EQ(message.envelope, sample_envelope());
  EXPECT_EQ(message.body, "Subject: hi\r\n\r\nbody\r\n");
  QueueId next;
  ASSERT_FALSE(spool->store_wait(sample_envelope(), "x", next));
  EXPECT_GT(next, id);
}

TEST(SegmentSpool, RecipientStateHoldAndRemoveAreDurable) {
  TempDir dir;
  QueueId a, b;
  RecipientState deferred{RecipientStatus::pending, 2, 1'900'000'000, Route{RouteKind::backend, "mx.b:2525"}};
  {
    auto spool = open_spool(dir.path());
    ASSERT_FALSE(spool->store_wait(sample_envelope(), "a", a));
    ASSERT_FALSE(spool->store_wait(sample_envelope(1), "b", b));
    ASSERT_FALSE(spool->update_recipient_wait(a, 1, deferred));
    ASSERT_FALSE(spool->update_recipient_wait(a, 0, {RecipientStatus::delivered, 1, 0, {}}));
    ASSERT_FALSE(spool->set_held_wait(a, true));
    ASSERT_FALSE(spool->set_delay_warned_wait(a));
    ASSERT_FALSE(spool->remove_wait(b));
    EXPECT_EQ(spool->set_delay_warned_wait(b), make_error_code(spool_errc::not_found));
    EXPECT_EQ(spool->update_recipient_wait(a, 2, deferred), make_error_code(spool_errc::bad_recipient));
    EXPECT_EQ(spool->remove_wait(b), make_error_code(spool_errc::not_found));
  }
  auto spool = open_spool(dir.path());
  Envelope e;
  ASSERT_FALSE(spool->load_envelope(a, e));
  EXPECT_TRUE(e.held);
  EXPECT_TRUE(e.delay_warned);
  EXPECT_EQ(e.recipients[0].state.status, RecipientStatus::delivered);
  EXPECT_EQ(e.recipients[1].state, deferred);
  EXPECT_EQ(spool->load_envelope(b, e), make_error_code(spool_errc::not_found));
  auto stats = spool->stats();
  EXPECT_EQ(stats.messages, 1u);
  EXPECT_EQ(stats.held, 1u);
  EXPECT_EQ(stats.recipients_pending, 1u);
}

// Cut the log at every byte inside the last record: the earlier messages stay, the cut one vanishes,
// and nothing half-written is ever returned.
TEST(SegmentSpool, TornTailAtEveryByteIsDroppedCleanly) {
  TempDir dir;
  QueueId first, second;
  {
    auto spool = open_spool(dir.path());
    ASSERT_FALSE(spool->store_wait(sample_envelope(), "first", first));
    ASSERT_FALSE(spool->store_wait(sample_envelope(), "second", second));
  }
  auto files = segment_files(dir.path());
  std::filesystem::path log;
  for (const auto& f : files)
    if (std::filesystem::file_size(f) > 0) log = f;
  std::ifstream in(log, std::ios::binary);
  std::string full((std::istreambuf_iterator<char>(in)), {});
  std::size_t first_size = decode_record(full).size;
  for (std::size_t cut = first_size; cut < full.size(); cut += 7) {
    TempDir copy;
    std::filesystem::create_directories(copy.path() / "queue");
    std::ofstream(copy.path() / "queue" / log.filename(), std::ios::binary) << full.substr(0, cut);
    RecoveryReport report;
    auto spool = open_spool(copy.path(), 1 << 20, &report);
    EXPECT_EQ(report.torn_bytes, cut - first_size);
    StoredMessage m;
    EXPECT_FALSE(spool->load(first, m));
    EXPECT_EQ(m.body, "first");
    EXPECT_EQ(spool->load(second, m), make_error_code(spool_errc::not_found)) << cut;
    EXPECT_EQ(std::filesystem::file_size(copy.path() / "queue" / log.filename()), first_size);
  }
}

// A spool in dir holding one message with this body (the spool closed again); its id.
QueueId store_one(const std::filesystem::path& dir, const std::string& body) {
  QueueId id;
  auto spool = open_spool(dir);
  EXPECT_FALSE(spool->store_wait(sample_envelope(), body, id));
  return id;
}

TEST(SegmentSpool, GarbageAfterTheLastRecordIsCutOff) {
  TempDir dir;
  store_one(dir.path(), "kept");
  auto files = segment_files(dir.path());
  std::ofstream(files.front(), std::ios::binary | std::ios::app) << std::string(100, '\xAB');
  RecoveryReport report;
  auto spool = open_spool(dir.path(), 1 << 20, &report);
  EXPECT_EQ(report.torn_bytes, 100u);
  EXPECT_EQ(spool->stats().messages, 1u);
}

// After a downgrade, a record written by a newer version stops recovery with newer_format, and the
// segment is left exactly as it was (not cut off as a torn tail, which would lose the mail after it).
TEST(SegmentSpool, ARecordFromANewerVersionRefusesToOpenAndChangesNothing) {
  TempDir dir;
  QueueId first = store_one(dir.path(), "first");
  auto files = segment_files(dir.path());
  std::filesystem::path log;
  for (const auto& f : files)
    if (std::filesystem::file_size(f) > 0) log = f;
  auto original = std::filesystem::file_size(log);
  auto try_open = [&](const std::string& appended) {
    std::filesystem::resize_file(log, original);
    std::ofstream(log, std::ios::binary | std::ios::app)
        << appended
        << encode_record(RecordType::message,
                         encode_message(QueueId(first.value() + 1), sample_envelope(), "x"));
    auto size = std::filesystem::file_size(log);
    std::error_code ec;
    auto spool = SegmentSpool::open({dir.path()}, ec);
    EXPECT_FALSE(spool);
    EXPECT_EQ(ec, make_error_code(spool_errc::newer_format));
    EXPECT_EQ(std::filesystem::file_size(log), size);
    EXPECT_EQ(segment_files(dir.path()).size(), files.size()) << "no new segment either";
  };
  // A new record type.
  try_open(encode_record(static_cast<RecordType>(9), "from the future"));
  // A known type whose payload this version cannot read: a message with an envelope flag it does not know.
  std::string payload = encode_message(QueueId(first.value() + 2), sample_envelope(), "y");
  payload[payload.find("submission") + std::string("submission").size()] = 4;
  try_open(encode_record(RecordType::message, payload));
}

TEST(SegmentSpool, ConcurrentStoresShareFsyncs) {
  TempDir dir;
  auto spool = open_spool(dir.path());
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<QueueId> ids;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        QueueId id;
        ASSERT_FALSE(spool->store_wait(sample_envelope(1), std::string(4096, 'x'), id));
        std::lock_guard lock(mutex);
        ids.insert(id);
      }
    });
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kThreads * kPerThread));
  auto stats = spool->stats();
  EXPECT_EQ(stats.messages, ids.size());
  EXPECT_LT(stats.commits, ids.size());  // group commit: fewer fsyncs than messages
}

TEST(SegmentSpool, CompactionDeletesDeadSegmentsAndRelocatesStragglers) {
  TempDir dir;
  QueueId survivor;
  RecipientState state{RecipientStatus::pending, 4, 77, Route{RouteKind::backend, "b1"}};
  {
    auto spool = open_spool(dir.path(), 8192);
    std::vector<QueueId> ids;
    for (int i = 0; i < 40; ++i) {
      QueueId id;
      ASSERT_FALSE(spool->store_wait(sample_envelope(1), std::string(1000, 'a' + i % 26), id));
      ids.push_back(id);
    }
    survivor = ids[1];
    ASSERT_FALSE(spool->update_recipient_wait(survivor, 0, state));
    ASSERT_FALSE(spool->set_delay_warned_wait(survivor));
    for (QueueId id : ids)
      if (id != survivor) {
        ASSERT_FALSE(spool->remove_wait(id));
      }
    std::size_t before = segment_files(dir.path()).size();
    ASSERT_GT(before, 3u);
    ASSERT_FALSE(spool->compact());
    EXPECT_LE(segment_files(dir.path()).size(), 2u);
    EXPECT_EQ(spool->stats().messages, 1u);
  }
  auto spool = open_spool(dir.path(), 8192);
  StoredMessage m;
  ASSERT_FALSE(spool->load(survivor, m));
  EXPECT_EQ(m.body, std::string(1000, 'b'));
  EXPECT_EQ(m.envelope.recipients[0].state, state);
  EXPECT_TRUE(m.envelope.delay_warned);  // carried by the relocated copy, not only by its own record
  EXPECT_EQ(spool->stats().messages, 1u);
}

}  // namespace
