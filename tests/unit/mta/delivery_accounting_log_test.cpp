#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mta/delivery/accounting_log.hpp"
#include "tests/support/temp_dir.hpp"

namespace mta::delivery {
namespace {

Attempt attempt(int n) {
  Attempt a;
  a.time = std::chrono::system_clock::time_point{} + std::chrono::seconds(1795395669);
  a.queue_id = "q" + std::to_string(n);
  a.sender = "bounces@example.com";
  a.recipient = "r" + std::to_string(n) + "@example.org";
  a.destination = "example.org";
  a.mx_host = "mx.example.org";
  a.mx_ip = "192.0.2.25";
  a.egress_source = "ip1";
  a.egress_ip = "198.51.100.7";
  a.tls = "TLSv1.3";
  a.result = "bounced";
  a.reply = "550 5.1.1 \"no\" such user\r\n\xff";
  a.enhanced_code = "5.1.1";
  a.attempt = 1;
  return a;
}

std::vector<nlohmann::json> read_lines(const std::filesystem::path& dir) {
  std::vector<nlohmann::json> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    for (std::string line; std::getline(in, line);)
      out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

TEST(AccountingLog, OneValidJsonObjectPerLine) {
  relay::test::TempDir dir;
  AccountingLog log(dir.path() / "delivery.log");
  ASSERT_FALSE(log.write(attempt(1)));
  auto lines = read_lines(dir.path());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["time"], "2026-11-23T01:01:09.000Z");
  EXPECT_EQ(lines[0]["recipient"], "r1@example.org");
  EXPECT_EQ(lines[0]["result"], "bounced");
  EXPECT_EQ(lines[0]["enhanced_code"], "5.1.1");
  EXPECT_EQ(lines[0]["attempt"], 1);
  EXPECT_EQ(lines[0]["egress_source"], "ip1");
  EXPECT_EQ(lines[0]["egress_ip"], "198.51.100.7");
  for (const char* key : {"queue_id", "sender", "destination", "mx_host", "mx_ip", "tls"})
    EXPECT_TRUE(lines[0].contains(key)) << key;
  EXPECT_NE(lines[0]["reply"].get<std::string>().find("\"no\" such user"), std::string::npos);
}

TEST(AccountingLog, RotationUnderConcurrentWritersLosesNothing) {
  relay::test::TempDir dir;
  AccountingLog log(dir.path() / "delivery.log", 4096);  // rotates every few lines
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&log, t] {
      for (int i = 0; i < 250; ++i)
        ASSERT_FALSE(log.write(attempt(t * 1000 + i)));
    });
  std::thread rotator([&log] {
    for (int i = 0; i < 20; ++i)
      ASSERT_FALSE(log.rotate());
  });
  for (auto& w : writers)
    w.join();
  rotator.join();
  auto lines = read_lines(dir.path());
  std::set<std::string> ids;
  for (const auto& line : lines)
    ids.insert(line["queue_id"].get<std::string>());
  EXPECT_EQ(lines.size(), 1000u);
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_GT(
      std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator{}),
      2);
}

TEST(AccountingLog, ReopenFollowsAnExternalRotation) {
  relay::test::TempDir dir;
  auto path = dir.path() / "delivery.log";
  AccountingLog log(path);
  ASSERT_FALSE(log.write(attempt(1)));
  std::filesystem::rename(path, dir.path() / "delivery.log.1");  // what logrotate does
  ASSERT_FALSE(log.write(attempt(2)));                           // still lands in the moved file
  ASSERT_FALSE(log.reopen());                                    // then SIGHUP
  ASSERT_FALSE(log.write(attempt(3)));
  std::ifstream current(path);
  std::string line;
  ASSERT_TRUE(std::getline(current, line));
  EXPECT_EQ(nlohmann::json::parse(line)["queue_id"], "q3");
  EXPECT_EQ(read_lines(dir.path()).size(), 3u);
}

TEST(AccountingLog, UnwritablePathIsAnErrorCode) {
  AccountingLog log("/nonexistent/dir/delivery.log");
  EXPECT_TRUE(log.write(attempt(1)));
}

}  // namespace
}  // namespace mta::delivery
