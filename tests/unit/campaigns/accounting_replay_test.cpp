// Replaying the accounting log from a checkpoint: the same file from its offset, a rotated file's rest and
// then the new file, no checkpoint (from the start), a checkpoint whose file is gone, damaged and overlong
// lines skipped and counted, a torn last line left for later; and parse_json_line reading what
// to_json_line wrote.
#include "campaigns/bounces/events/accounting_replay.hpp"

#include <fstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace campaigns {
namespace {

using mta::delivery::AccountingLog;
using mta::delivery::Attempt;
using mta::delivery::LogPosition;

Attempt attempt(int n) {
  Attempt a;
  a.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1765000000123LL + n));
  a.queue_id = "Q" + std::to_string(n);
  a.sender = "bounces+c.1.x@example.com";
  a.recipient = "user" + std::to_string(n) + "@example.org";
  a.destination = "example.org";
  a.mx_host = "mx.example.org";
  a.mx_ip = "192.0.2.1";
  a.egress_source = "a";
  a.egress_ip = "198.51.100.1";
  a.tls = "TLSv1.3";
  a.result = n % 2 ? "bounced" : "delivered";
  a.reply = "550 5.1.1 <user@example.org>: \"no\" such user \xff";
  a.enhanced_code = "5.1.1";
  a.attempt = static_cast<unsigned>(n);
  return a;
}

struct Replayed {
  std::vector<std::string> queue_ids;
  std::vector<LogPosition> positions;
  ReplayResult result;
};

Replayed replay(const std::filesystem::path& log, std::optional<LogPosition> from,
                std::size_t max_line = kMaxAccountingLine) {
  Replayed r;
  r.result = replay_accounting_log(
      log, from,
      [&](const Attempt& a, const LogPosition& after) {
        r.queue_ids.push_back(a.queue_id);
        r.positions.push_back(after);
      },
      max_line);
  return r;
}

void append(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

TEST(AccountingLine, ReadsBackWhatItWrote) {
  auto a = attempt(7);
  auto read = mta::delivery::parse_json_line(mta::delivery::to_json_line(a));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->time, a.time);
  EXPECT_EQ(read->queue_id, a.queue_id);
  EXPECT_EQ(read->recipient, a.recipient);
  EXPECT_EQ(read->reply, "550 5.1.1 <user@example.org>: \"no\" such user \xef\xbf\xbd");  // replaced
  EXPECT_EQ(read->attempt, 7u);
  EXPECT_EQ(read->tls, "TLSv1.3");
  EXPECT_FALSE(mta::delivery::parse_json_line("{\"time\": 1}"));
  EXPECT_FALSE(mta::delivery::parse_json_line("not json"));
  EXPECT_FALSE(mta::delivery::parse_json_line("[1,2]"));
  auto line = mta::delivery::to_json_line(a);
  line.replace(line.find("2025"), 4, "20x5");
  EXPECT_FALSE(mta::delivery::parse_json_line(line));
}

TEST(AccountingReplay, SameFileFromTheCheckpointsOffset) {
  relay::test::TempDir dir;
  auto path = dir.path() / "delivery.log";
  AccountingLog log(path);
  LogPosition after_two;
  for (int n = 1; n <= 5; ++n) {
    LogPosition p;
    ASSERT_FALSE(log.write(attempt(n), &p));
    if (n == 2) after_two = p;
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(after_two.inode, st.st_ino);
  auto r = replay(path, after_two);
  EXPECT_EQ(r.queue_ids, (std::vector<std::string>{"Q3", "Q4", "Q5"}));
  EXPECT_EQ(r.result.end.offset, static_cast<std::uint64_t>(st.st_size));
  EXPECT_EQ(r.positions.back(), r.result.end);
  EXPECT_EQ(r.result.damaged, 0u);
  EXPECT_TRUE(r.result.error.empty());
  // From the end: nothing; no checkpoint: everything.
  EXPECT_TRUE(replay(path, r.result.end).queue_ids.empty());
  EXPECT_EQ(replay(path, std::nullopt).queue_ids.size(), 5u);
}

TEST(AccountingReplay, RotatedFileRestThenTheNewFile) {
  relay::test::TempDir dir;
  auto path = dir.path() / "delivery.log";
  AccountingLog log(path);
  LogPosition checkpoint;
  ASSERT_FALSE(log.write(attempt(1), &checkpoint));
  ASSERT_FALSE(log.write(attempt(2)));
  ASSERT_FALSE(log.rotate());
  ASSERT_FALSE(log.write(attempt(3)));
  ASSERT_FALSE(log.rotate());  // a second rotation in the same second: PATH.STAMP.1
  ASSERT_FALSE(log.write(attempt(4)));
  dir.write("delivery.log.old", "{}\n");  // not one of ours: never read
  auto r = replay(path, checkpoint);
  EXPECT_EQ(r.queue_ids, (std::vector<std::string>{"Q2", "Q3", "Q4"}));
  EXPECT_FALSE(r.result.checkpoint_lost);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(r.result.end.inode, st.st_ino);
}

TEST(AccountingReplay, AFileMovedByLogrotateThenTheNewFile) {
  relay::test::TempDir dir;
  auto path = dir.path() / "delivery.log";
  AccountingLog log(path);
  LogPosition checkpoint;
  ASSERT_FALSE(log.write(attempt(1), &checkpoint));
  ASSERT_FALSE(log.write(attempt(2)));
  std::filesystem::rename(path, dir.path() / "delivery.log.1");
  ASSERT_FALSE(log.reopen());
  ASSERT_FALSE(log.write(attempt(3)));
  auto r = replay(path, checkpoint);
  EXPECT_FALSE(r.result.checkpoint_lost);
  EXPECT_EQ(r.queue_ids, (std::vector<std::string>{"Q2", "Q3"}));
}

TEST(AccountingReplay, AFileTruncatedInPlaceIsReadFromItsStart) {
  relay::test::TempDir dir;
  auto path = dir.path() / "delivery.log";
  LogPosition checkpoint;
  {
    AccountingLog log(path);
    ASSERT_FALSE(log.write(attempt(1)));
    ASSERT_FALSE(log.write(attempt(2), &checkpoint));
  }
  std::filesystem::resize_file(path, 0);  // logrotate's copytruncate
  AccountingLog log(path);
  ASSERT_FALSE(log.write(attempt(3)));
  auto r = replay(path, checkpoint);
  EXPECT_EQ(r.queue_ids, (std::vector<std::string>{"Q3"}));
}

TEST(AccountingReplay, ACheckpointWhoseFileIsGoneReadsTheCurrentFileFromItsStart) {
  relay::test::TempDir dir;
  auto path = dir.path() / "delivery.log";
  AccountingLog log(path);
  LogPosition checkpoint;
  ASSERT_FALSE(log.write(attempt(1), &checkpoint));
  ASSERT_FALSE(log.rotate());
  ASSERT_FALSE(log.write(attempt(2)));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    if (entry.path() != path) std::filesystem::remove(entry.path());
  auto r = replay(path, checkpoint);
  EXPECT_TRUE(r.result.checkpoint_lost);
  EXPECT_EQ(r.queue_ids, (std::vector<std::string>{"Q2"}));
}

TEST(AccountingReplay, DamagedAndOverlongLinesAreSkippedAndCounted) {
  relay::test::TempDir dir;
  auto path = dir.path() / "delivery.log";
  {
    AccountingLog log(path);
    ASSERT_FALSE(log.write(attempt(1)));
  }
  append(path, "{\"time\": \"broken\n");
  append(path, std::string(200000, 'x') + "\n");
  append(path, "\n");
  {
    AccountingLog log(path);
    ASSERT_FALSE(log.write(attempt(2)));
  }
  auto r = replay(path, std::nullopt);
  EXPECT_EQ(r.queue_ids, (std::vector<std::string>{"Q1", "Q2"}));
  EXPECT_EQ(r.result.damaged, 3u);
  // A line under the bound but over a smaller one is damaged too.
  auto small = replay(path, std::nullopt, 100);
  EXPECT_TRUE(small.queue_ids.empty());
  EXPECT_EQ(small.result.damaged, 5u);
}

TEST(AccountingReplay, ATornLastLineIsLeftForLater) {
  relay::test::TempDir dir;
  auto path = dir.path() / "delivery.log";
  {
    AccountingLog log(path);
    ASSERT_FALSE(log.write(attempt(1)));
  }
  auto whole = std::filesystem::file_size(path);
  auto line = mta::delivery::to_json_line(attempt(2));
  append(path, line.substr(0, 40));
  auto r = replay(path, std::nullopt);
  EXPECT_EQ(r.queue_ids, (std::vector<std::string>{"Q1"}));
  EXPECT_EQ(r.result.end.offset, whole);
  append(path, line.substr(40) + "\n");
  EXPECT_EQ(replay(path, r.result.end).queue_ids, (std::vector<std::string>{"Q2"}));
}

TEST(AccountingReplay, NoLogNoLines) {
  relay::test::TempDir dir;
  auto r = replay(dir.path() / "missing.log", std::nullopt);
  EXPECT_TRUE(r.queue_ids.empty());
  EXPECT_EQ(r.result.end.inode, 0u);
  EXPECT_TRUE(r.result.error.empty());
}

}  // namespace
}  // namespace campaigns
