// mta::inbound::Greylist on a real SQLite file with an injected clock: every transition of a triplet
// (first attempt, early retry, pass, remembered, window missed, forgotten), /24 and /64 client networks,
// auto-whitelisting, the configured whitelists, the purge of expired rows, state kept across a restart,
// and a database failure letting mail pass.
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "mta/inbound/greylist/greylist.hpp"
#include "mta/inbound/store/inbound_database.hpp"
#include "tests/support/temp_dir.hpp"

namespace mta::inbound {
namespace {

using Kind = GreylistVerdict::Kind;
using std::chrono::seconds;

constexpr std::int64_t kStart = 1'800'000'000;

class GreylistTest : public ::testing::Test {
 protected:
  GreylistTest() {
    config.delay = seconds{300};
    config.retry_window = seconds{3600};
    config.remember = seconds{86400};
    config.auto_whitelist_after = 0;
  }
  std::unique_ptr<Greylist> open() {
    auto opened = open_inbound_database(path);
    EXPECT_TRUE(opened.database) << opened.error;
    return std::make_unique<Greylist>(std::move(opened.database), config, [this] { return now; });
  }
  Greylist& greylist() {
    if (!greylist_) greylist_ = open();
    return *greylist_;
  }
  GreylistVerdict check(std::string_view ip = "192.0.2.10", std::string_view sender = "alice@sender.test",
                        std::string_view recipient = "bob@example.com") {
    return greylist().check(ip, sender, recipient);
  }
  std::int64_t sql_count(const char* sql) {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    std::int64_t count = -1;
    if (sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
      count = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(raw);
    return count;
  }

  relay::test::TempDir dir;
  std::filesystem::path path = dir.path() / "inbound.db";
  config::GreylistConfig config;
  std::int64_t now = kStart;
  std::unique_ptr<Greylist> greylist_;
};

TEST_F(GreylistTest, TheFirstAttemptIsDeferredForTheDelay) {
  auto verdict = check();
  EXPECT_EQ(verdict.kind, Kind::defer);
  EXPECT_EQ(verdict.retry_after, seconds{300});
  EXPECT_EQ(greylist().counters().deferred, 1u);
}

TEST_F(GreylistTest, AnEarlyRetryIsDeferredForTheRemainingTime) {
  check();
  now += 100;
  auto verdict = check();
  EXPECT_EQ(verdict.kind, Kind::defer);
  EXPECT_EQ(verdict.retry_after, seconds{200});
  now += 199;
  EXPECT_EQ(check().retry_after, seconds{1});
}

TEST_F(GreylistTest, ARetryAfterTheDelayPassesAndIsRemembered) {
  check();
  now += 300;
  EXPECT_EQ(check().kind, Kind::pass);
  now += 86400 - 1;  // remember counts from the last use
  EXPECT_EQ(check().kind, Kind::pass);
  now += 86400 - 1;
  EXPECT_EQ(check().kind, Kind::pass);
  EXPECT_EQ(greylist().counters().passed, 3u);
  now += 86400;  // unused for remember: forgotten, greylisted again
  EXPECT_EQ(check().kind, Kind::defer);
}

TEST_F(GreylistTest, ARetryAfterTheWindowStartsAgain) {
  check();
  now += 3600;
  auto verdict = check();
  EXPECT_EQ(verdict.kind, Kind::defer);
  EXPECT_EQ(verdict.retry_after, seconds{300});
  now += 300;
  EXPECT_EQ(check().kind, Kind::pass);
}

TEST_F(GreylistTest, ATripletIsItsSenderAndRecipientIgnoringCase) {
  check("192.0.2.10", "Alice@Sender.TEST", "Bob@Example.com");
  now += 300;
  EXPECT_EQ(check("192.0.2.10", "alice@sender.test", "bob@example.com").kind, Kind::pass);
  EXPECT_EQ(check("192.0.2.10", "carol@sender.test", "bob@example.com").kind, Kind::defer);
  EXPECT_EQ(check("192.0.2.10", "alice@sender.test", "dave@example.com").kind, Kind::defer);
}

TEST_F(GreylistTest, TheNullSenderIsATripletOfItsOwn) {
  EXPECT_EQ(check("192.0.2.10", "", "bob@example.com").kind, Kind::defer);
  now += 300;
  EXPECT_EQ(check("192.0.2.10", "", "bob@example.com").kind, Kind::pass);
  EXPECT_EQ(check("192.0.2.10", "x@sender.test", "bob@example.com").kind, Kind::defer);
}

TEST_F(GreylistTest, ClientsAreGroupedBySlash24AndSlash64) {
  EXPECT_EQ(greylist_network("192.0.2.10"), "192.0.2.0/24");
  EXPECT_EQ(greylist_network("::ffff:192.0.2.77"), "192.0.2.0/24");
  EXPECT_EQ(greylist_network("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");

  check("192.0.2.10");
  check("2001:db8:1:2::1");
  now += 300;
  EXPECT_EQ(check("192.0.2.200").kind, Kind::pass);        // another host of the /24 (a sending farm)
  EXPECT_EQ(check("::ffff:192.0.2.99").kind, Kind::pass);  // IPv4-mapped is IPv4
  EXPECT_EQ(check("192.0.3.10").kind, Kind::defer);
  EXPECT_EQ(check("2001:db8:1:2:ffff:ffff:ffff:ffff").kind, Kind::pass);
  EXPECT_EQ(check("2001:db8:1:3::1").kind, Kind::defer);
}

TEST_F(GreylistTest, ANetworkThatPassedEnoughTripletsIsWhitelisted) {
  config.auto_whitelist_after = 2;
  check("192.0.2.10", "a@sender.test");
  check("192.0.2.11", "b@sender.test");
  now += 300;
  EXPECT_EQ(check("192.0.2.10", "a@sender.test").kind, Kind::pass);
  EXPECT_EQ(check("192.0.2.20", "new@other.test").kind, Kind::defer);  // one passed triplet is not enough
  EXPECT_EQ(check("192.0.2.11", "b@sender.test").kind, Kind::pass);
  EXPECT_EQ(check("192.0.2.30", "another@other.test").kind, Kind::whitelisted);
  EXPECT_EQ(check("198.51.100.1", "another@other.test").kind, Kind::defer);  // only that network
  EXPECT_EQ(greylist().counters().whitelisted, 1u);
  now += 86400 - 1;  // whitelisted for remember after its last use
  EXPECT_EQ(check("192.0.2.40", "x@y.test").kind, Kind::whitelisted);
  now += 86400;
  EXPECT_EQ(check("192.0.2.50", "z@y.test").kind, Kind::defer);
}

TEST_F(GreylistTest, AutoWhitelistingOffWhenZero) {
  for (int i = 0; i < 10; ++i)
    check("192.0.2.10", "s" + std::to_string(i) + "@sender.test");
  now += 300;
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(check("192.0.2.10", "s" + std::to_string(i) + "@sender.test").kind, Kind::pass);
  EXPECT_EQ(check("192.0.2.10", "new@sender.test").kind, Kind::defer);
}

TEST_F(GreylistTest, ConfiguredNetworksAndSenderDomainsAreNotGreylisted) {
  config.whitelist_networks = {*dns::IpNetwork::parse("203.0.113.0/24"),
                               *dns::IpNetwork::parse("2001:db8::/32")};
  config.whitelist_senders = {"example.net", "*.Example.org"};
  EXPECT_EQ(check("203.0.113.9").kind, Kind::whitelisted);
  EXPECT_EQ(check("::ffff:203.0.113.9").kind, Kind::whitelisted);
  EXPECT_EQ(check("2001:db8:ff::1").kind, Kind::whitelisted);
  EXPECT_EQ(check("192.0.2.1", "a@Example.NET").kind, Kind::whitelisted);
  EXPECT_EQ(check("192.0.2.1", "a@mail.example.org").kind, Kind::whitelisted);
  EXPECT_EQ(check("192.0.2.1", "a@example.org").kind, Kind::defer);  // "*." is the subdomains only
  EXPECT_EQ(check("192.0.2.1", "a@badexample.net").kind, Kind::defer);
  EXPECT_EQ(check("192.0.2.1", "a@example.net.evil.test").kind, Kind::defer);
  EXPECT_EQ(check("192.0.2.1", "").kind, Kind::defer);
  EXPECT_EQ(sql_count("SELECT count(*) FROM greylist WHERE network = '203.0.113.0/24'"), 0);
}

TEST_F(GreylistTest, ExpiredRowsArePurged) {
  config.auto_whitelist_after = 1;
  check("192.0.2.10", "pending@sender.test");  // never retried: expires after the window
  check("198.51.100.1", "passed@sender.test");
  now += 300;
  EXPECT_EQ(check("198.51.100.1", "passed@sender.test").kind, Kind::pass);  // and whitelists its network
  EXPECT_EQ(sql_count("SELECT count(*) FROM greylist"), 2);
  EXPECT_EQ(sql_count("SELECT count(*) FROM greylist_clients"), 1);

  now += 3600 + kPurgeInterval.count();  // the pending triplet's window is over
  check("203.0.113.1", "fresh@sender.test");
  EXPECT_EQ(sql_count("SELECT count(*) FROM greylist WHERE sender = 'pending@sender.test'"), 0);
  EXPECT_EQ(sql_count("SELECT count(*) FROM greylist WHERE sender = 'passed@sender.test'"), 1);

  now += 86400;  // the passed triplet and the whitelisted network are forgotten
  greylist().purge();
  EXPECT_EQ(sql_count("SELECT count(*) FROM greylist WHERE sender = 'passed@sender.test'"), 0);
  EXPECT_EQ(sql_count("SELECT count(*) FROM greylist_clients"), 0);
}

TEST_F(GreylistTest, StateSurvivesARestart) {
  EXPECT_EQ(check().kind, Kind::defer);
  greylist_.reset();
  now += 300;
  EXPECT_EQ(check().kind, Kind::pass);  // a new Greylist on the same file
  greylist_.reset();
  now += 1000;
  EXPECT_EQ(check().kind, Kind::pass);
}

TEST_F(GreylistTest, ADatabaseFailureLetsTheMailPass) {
  check();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "DROP TABLE greylist", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  EXPECT_EQ(check("192.0.2.10", "new@sender.test").kind, Kind::pass);
  EXPECT_EQ(greylist().counters().errors, 1u);
  EXPECT_EQ(greylist().counters().passed, 1u);
}

TEST_F(GreylistTest, ChecksFromSeveralThreadsEachCountOnce) {
  greylist();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([this, t] {
      for (int i = 0; i < 50; ++i)
        greylist_->check("192.0.2.1", "s" + std::to_string(i) + "@sender.test",
                         "r" + std::to_string(t) + "@example.com");
    });
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(greylist().counters().deferred, 200u);
  EXPECT_EQ(sql_count("SELECT count(*) FROM greylist"), 200);
}

TEST_F(GreylistTest, AZeroDelayPassesAtOnce) {
  config.delay = seconds{0};
  EXPECT_EQ(check().kind, Kind::pass);
}

}  // namespace
}  // namespace mta::inbound
