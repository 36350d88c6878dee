// The spool under sync failures, with the fault injector (spool_fault.cpp) linked in: a failed sync of any
// spool file — compaction's included — stops every later acknowledgement, compaction deletes nothing
// after it, and what was refused is not there after recovery while everything acknowledged is.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "mta/spool/segment_spool.hpp"
#include "mta/spool/spool_errc.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace mta::spool;
using relay::test::TempDir;

class SpoolSyncFault : public ::testing::Test {
 protected:
  void SetUp() override {
    control_ = dir_.path() / "control";
    setenv("RELAY_FAULT_PATH", (dir_.path() / "spool").c_str(), 1);
    setenv("RELAY_FAULT_CONTROL", control_.c_str(), 1);
  }
  void TearDown() override {
    unsetenv("RELAY_FAULT_PATH");
    unsetenv("RELAY_FAULT_CONTROL");
  }
  void fault(const std::string& line) { std::ofstream(control_) << line << "\n"; }
  void clear() { std::ofstream(control_).flush(); }
  std::unique_ptr<SegmentSpool> open(RecoveryReport* report = nullptr) {
    std::error_code ec;
    auto spool =
        SegmentSpool::open({dir_.path() / "spool", 64 << 10, true, std::chrono::milliseconds(0)}, ec, report);
    EXPECT_FALSE(ec) << ec.message();
    return spool;
  }
  static Envelope envelope() {
    Envelope e;
    e.sender = "sender@example.com";
    e.received_at = 1'800'000'000;
    e.listener = "relay";
    e.recipients.push_back({"rcpt@example.net", {}, 0, ""});
    return e;
  }
  std::size_t segments() const {
    std::size_t n = 0;
    for (const auto& item : std::filesystem::directory_iterator(dir_.path() / "spool" / "queue"))
      n += item.path().extension() == ".seg";
    return n;
  }

  TempDir dir_;
  std::filesystem::path control_;
};

// Compaction relocates the last live message of a mostly dead segment and its own sync fails (the kernel
// reports the writeback error to that caller only; the head segment has room, so no seal syncs first).
// The spool must not acknowledge anything after that, nor delete the old segment on the strength of an
// unsynced copy.
TEST_F(SpoolSyncFault, AFailedCompactionSyncStopsAcknowledgements) {
  std::vector<QueueId> ids;
  QueueId survivor;
  {
    auto spool = open();
    for (int i = 0; i < 12; ++i) {
      QueueId id;
      ASSERT_FALSE(spool->store_wait(envelope(), std::string(i == 1 ? 100 : 8000, 'a' + i % 26), id));
      ids.push_back(id);
    }
    survivor = ids[1];
    for (QueueId id : ids)
      if (id != survivor) {
        ASSERT_FALSE(spool->remove_wait(id));
      }
    std::size_t before = segments();
    ASSERT_EQ(before, 2u);
    fault("sync-once EIO");
    EXPECT_TRUE(spool->compact());
    QueueId late;
    EXPECT_EQ(spool->store_wait(envelope(), "after the failed sync", late), spool_errc::unavailable)
        << "acknowledged a message after a failed sync of the file it went to";
    EXPECT_TRUE(spool->stats().failed);
    EXPECT_TRUE(spool->compact());
    EXPECT_EQ(segments(), before) << "compaction deleted a segment after a failed sync";
  }
  clear();
  auto spool = open();
  StoredMessage m;
  ASSERT_FALSE(spool->load(survivor, m));
  EXPECT_EQ(m.body, std::string(100, 'b'));
  EXPECT_EQ(spool->stats().messages, 1u);
}

// Messages written but refused because their sync failed were never acknowledged: the client sends them
// again, so recovery must not queue them a second time. Those acknowledged before stay.
TEST_F(SpoolSyncFault, RefusedMessagesAreDroppedAtRecovery) {
  QueueId kept, refused;
  {
    auto spool = open();
    ASSERT_FALSE(spool->store_wait(envelope(), "acknowledged", kept));
    fault("sync EIO");
    EXPECT_TRUE(spool->store_wait(envelope(), "refused", refused));
    Envelope e;
    EXPECT_EQ(spool->load_envelope(refused, e), spool_errc::not_found) << "a refused message is queued";
    EXPECT_EQ(spool->stats().messages, 1u);
  }
  clear();
  RecoveryReport report;
  auto spool = open(&report);
  StoredMessage m;
  ASSERT_FALSE(spool->load(kept, m));
  EXPECT_EQ(m.body, "acknowledged");
  EXPECT_EQ(spool->load(refused, m), spool_errc::not_found);
  EXPECT_GT(report.unacknowledged_bytes, 0u);
  EXPECT_EQ(spool->stats().messages, 1u);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "spool" / "queue" / "unacknowledged"));
}

// A full disk refuses the write itself: nothing is half-written, the spool stays usable, and accepting
// resumes when there is room again.
TEST_F(SpoolSyncFault, AFullDiskRefusesAndRecovers) {
  auto spool = open();
  QueueId id;
  fault("write ENOSPC");
  EXPECT_EQ(spool->store_wait(envelope(), "no room", id), std::errc::no_space_on_device);
  EXPECT_FALSE(spool->stats().failed);
  clear();
  ASSERT_FALSE(spool->store_wait(envelope(), "room again", id));
  StoredMessage m;
  ASSERT_FALSE(spool->load(id, m));
  EXPECT_EQ(m.body, "room again");
}

}  // namespace
