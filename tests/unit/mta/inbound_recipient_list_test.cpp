// mta::inbound::RecipientList on a real SQLite file: exact addresses with the local part's case ignored,
// user+tag sub-addressing, the catch-all, unknown addresses, a broken database answering unavailable, and
// imports (comments, bad lines named by number and nothing written, idempotence, --replace), list, remove.
#include <atomic>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "mta/inbound/recipients/recipient_list.hpp"
#include "mta/inbound/store/inbound_database.hpp"
#include "tests/support/temp_dir.hpp"

namespace mta::inbound {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RecipientListTest : public ::testing::Test {
 protected:
  std::unique_ptr<RecipientList> open() {
    auto opened = open_inbound_database(path);
    EXPECT_TRUE(opened.database) << opened.error;
    return std::make_unique<RecipientList>(std::move(opened.database));
  }
  ImportReport import(const std::string& text, const std::string& domain = "example.com",
                      bool replace = false) {
    std::istringstream in(text);
    return list->import(in, domain, replace);
  }
  void run_sql(const char* sql) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    sqlite3_close(raw);
  }

  relay::test::TempDir dir;
  std::filesystem::path path = dir.path() / "sub" / "inbound.db";
  std::unique_ptr<RecipientList> list = open();
};

TEST_F(RecipientListTest, AnExactAddressIsValidWhateverTheCaseOfItsLocalPart) {
  auto report = import("Jane@Example.com\n");
  ASSERT_EQ(report.problem_count, 0u);
  EXPECT_EQ(list->check("example.com", "jane@example.com"), RecipientStatus::valid);
  EXPECT_EQ(list->check("example.com", "JANE@EXAMPLE.COM"), RecipientStatus::valid);
  EXPECT_EQ(list->check("example.com", "john@example.com"), RecipientStatus::unknown);
  EXPECT_EQ(list->check("example.org", "jane@example.org"), RecipientStatus::unknown);
  EXPECT_EQ(list->counters().valid, 2u);
  EXPECT_EQ(list->counters().unknown, 2u);
}

TEST_F(RecipientListTest, SubAddressesMatchTheirBaseAddress) {
  ASSERT_EQ(import("jane@example.com\nbob+sales@example.com\n").problem_count, 0u);
  EXPECT_EQ(list->check("example.com", "jane+news@example.com"), RecipientStatus::valid);
  EXPECT_EQ(list->check("example.com", "Jane+A+B@example.com"), RecipientStatus::valid);
  EXPECT_EQ(list->check("example.com", "bob+sales@example.com"), RecipientStatus::valid);  // listed as is
  EXPECT_EQ(list->check("example.com", "bob@example.com"), RecipientStatus::unknown);
  EXPECT_EQ(list->check("example.com", "+news@example.com"), RecipientStatus::unknown);
  EXPECT_EQ(list->check("example.com", "janet+x@example.com"), RecipientStatus::unknown);
}

TEST_F(RecipientListTest, TheCatchAllAcceptsEveryAddressAtItsDomainOnly) {
  ASSERT_EQ(import("*@Example.com\n").problem_count, 0u);
  EXPECT_EQ(list->check("example.com", "anyone@example.com"), RecipientStatus::valid);
  EXPECT_EQ(list->check("example.com", "x+y@EXAMPLE.com"), RecipientStatus::valid);
  EXPECT_EQ(list->check("example.org", "anyone@example.org"), RecipientStatus::unknown);
}

TEST_F(RecipientListTest, ADatabaseFailureIsUnavailableNotUnknown) {
  ASSERT_EQ(import("jane@example.com\n").problem_count, 0u);
  run_sql("DROP TABLE recipients");
  EXPECT_EQ(list->check("example.com", "jane@example.com"), RecipientStatus::unavailable);
  EXPECT_EQ(list->check("example.com", "john@example.com"), RecipientStatus::unavailable);
  EXPECT_EQ(list->counters().errors, 2u);
}

TEST_F(RecipientListTest, ImportSkipsCommentsAndBlankLinesAndIsIdempotent) {
  std::string file =
      "\xEF\xBB\xBF# customers of example.com\n"
      "\n"
      "  jane@example.com   # the boss\r\n"
      "team#1@example.com\n"
      "\t\n"
      "*@example.com\n";
  auto first = import(file);
  EXPECT_EQ(first.problem_count, 0u);
  EXPECT_EQ(first.added, 3u);
  EXPECT_EQ(first.already_present, 0u);
  auto second = import(file);
  EXPECT_EQ(second.added, 0u);
  EXPECT_EQ(second.already_present, 3u);
  EXPECT_THAT(list->list("example.com"),
              ElementsAre("*@example.com", "jane@example.com", "team#1@example.com"));
}

TEST_F(RecipientListTest, ABadLineIsNamedAndNothingIsImported) {
  auto report = import(
      "jane@example.com\n"
      "not an address\n"
      "bob@example.org\n"
      "@example.com\n"
      "john@example.com\n" +
      std::string(2000, 'x') + "@example.com\n");
  EXPECT_EQ(report.problem_count, 4u);
  ASSERT_EQ(report.problems.size(), 4u);
  EXPECT_EQ(report.problems[0].line, 2u);
  EXPECT_THAT(report.problems[0].problem, HasSubstr("one address per line"));
  EXPECT_EQ(report.problems[1].line, 3u);
  EXPECT_THAT(report.problems[1].problem, HasSubstr("not at example.com"));
  EXPECT_THAT(report.problems[1].problem, HasSubstr("--domain example.org"));
  EXPECT_EQ(report.problems[2].line, 4u);
  EXPECT_THAT(report.problems[2].problem, HasSubstr("is not an address"));
  EXPECT_EQ(report.problems[3].line, 6u);
  EXPECT_THAT(report.problems[3].problem, HasSubstr("longer than"));
  EXPECT_EQ(report.added, 0u);
  EXPECT_THAT(list->list("example.com"), IsEmpty());
}

TEST_F(RecipientListTest, ManyBadLinesReportTheFirstOnesAndTheirCount) {
  std::string file;
  for (int i = 0; i < 50; ++i)
    file += "bad line\n";
  auto report = import(file);
  EXPECT_EQ(report.problem_count, 50u);
  EXPECT_EQ(report.problems.size(), kMaxReportedProblems);
}

TEST_F(RecipientListTest, ReplaceMakesTheListExactlyTheFileAndLeavesOtherDomainsAlone) {
  ASSERT_EQ(import("a@example.com\nb@example.com\nc@example.com\n").problem_count, 0u);
  ASSERT_EQ(import("a@example.org\n", "example.org").problem_count, 0u);
  auto report = import("b@example.com\nd@example.com\n", "example.com", true);
  EXPECT_EQ(report.added, 1u);
  EXPECT_EQ(report.already_present, 1u);
  EXPECT_EQ(report.removed, 2u);
  EXPECT_THAT(list->list("example.com"), ElementsAre("b@example.com", "d@example.com"));
  EXPECT_THAT(list->list("example.org"), ElementsAre("a@example.org"));

  auto bad = import("x@example.com\nnot-an-address\n", "example.com", true);  // nothing replaced
  EXPECT_EQ(bad.problem_count, 1u);
  EXPECT_THAT(list->list("example.com"), ElementsAre("b@example.com", "d@example.com"));
}

TEST_F(RecipientListTest, RemoveTakesOneAddressOff) {
  ASSERT_EQ(import("jane@example.com\n*@example.com\n").problem_count, 0u);
  EXPECT_TRUE(list->remove("JANE@example.COM."));
  EXPECT_FALSE(list->remove("jane@example.com"));
  EXPECT_FALSE(list->remove("not an address"));
  EXPECT_TRUE(list->remove("*@EXAMPLE.com"));
  EXPECT_THAT(list->list("example.com"), IsEmpty());
  EXPECT_EQ(list->check("example.com", "jane@example.com"), RecipientStatus::unknown);
}

TEST_F(RecipientListTest, ASecondConnectionSeesAnImportAtOnce) {
  auto other = open();
  ASSERT_EQ(import("jane@example.com\n").problem_count, 0u);
  EXPECT_EQ(other->check("example.com", "jane@example.com"), RecipientStatus::valid);
}

TEST_F(RecipientListTest, ChecksFromSeveralThreadsWhileAnImportRuns) {
  ASSERT_EQ(import("jane@example.com\n").problem_count, 0u);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([this, &wrong] {
      for (int i = 0; i < 200; ++i) {
        if (list->check("example.com", "jane+x@example.com") != RecipientStatus::valid) wrong++;
        if (list->check("example.com", "nobody@example.com") != RecipientStatus::unknown) wrong++;
      }
    });
  std::string file;
  for (int i = 0; i < 500; ++i)
    file += "user" + std::to_string(i) + "@example.com\n";
  EXPECT_EQ(import(file).added, 500u);
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(list->counters().valid, 800u);
  EXPECT_EQ(list->list("example.com").size(), 501u);
}

TEST_F(RecipientListTest, ADatabaseFromANewerRelayctlIsRefused) {
  run_sql("PRAGMA user_version=99");
  auto opened = open_inbound_database(path);
  EXPECT_FALSE(opened.database);
  EXPECT_THAT(opened.error, HasSubstr("newer relayctl"));
}

TEST(NormalizeRecipient, LowerCasesTheAddressAndCanonicalizesTheDomain) {
  EXPECT_EQ(normalize_recipient("Jane.Doe@Example.COM."), "jane.doe@example.com");
  EXPECT_EQ(normalize_recipient("jane"), std::nullopt);
  EXPECT_EQ(normalize_recipient("@example.com"), std::nullopt);
  EXPECT_EQ(normalize_recipient("jane@"), std::nullopt);
  EXPECT_EQ(normalize_recipient("jane@bad_domain!"), std::nullopt);
}

}  // namespace
}  // namespace mta::inbound
