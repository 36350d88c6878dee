// import_suppressions / export_suppressions: headers (in any order, unknown columns ignored, none at
// all), defaults for empty cells, bad rows skipped with their line and reason, duplicates, a header
// without an address column, export → import round trip; and the timestamps they use.
#include "campaigns/suppression/suppression_csv.hpp"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaigns/suppression/memory_suppression_store.hpp"
#include "campaigns/formats/timestamp.hpp"

namespace campaigns {
namespace {

using std::chrono::sys_seconds;
using ::testing::HasSubstr;

const ImportDefaults kDefaults{Reason::import, "import:test.csv", sys_seconds{std::chrono::seconds{1000}}};

ImportReport import(MemorySuppressionStore& store, const std::string& text,
                    ImportDefaults defaults = kDefaults) {
  std::istringstream in(text);
  return import_suppressions(in, store, defaults);
}

TEST(SuppressionCsv, ReadsAHeaderInAnyOrderWithDefaultsForEmptyCells) {
  MemorySuppressionStore store;
  auto report = import(store,
                       "Time,Source,ADDRESS,reason,comment\r\n"
                       "2024-05-01T12:00:00Z,fbl,jane@example.com,complaint,hi\r\n"
                       ",,@blocked.test,,\r\n");
  EXPECT_EQ(report.added, 2u);
  EXPECT_EQ(report.skipped, 0u);
  ASSERT_EQ(report.warnings.size(), 1u);
  EXPECT_THAT(report.warnings[0], HasSubstr("\"comment\" is ignored"));
  auto entries = store.list({});
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].target.str(), "@blocked.test");
  EXPECT_EQ(entries[0].reason, Reason::import);
  EXPECT_EQ(entries[0].source, "import:test.csv");
  EXPECT_EQ(entries[0].time.time_since_epoch().count(), 1000);
  EXPECT_EQ(entries[1].target.str(), "jane@example.com");
  EXPECT_EQ(entries[1].reason, Reason::complaint);
  EXPECT_EQ(entries[1].source, "fbl");
  EXPECT_EQ(format_timestamp(entries[1].time), "2024-05-01T12:00:00Z");
}

TEST(SuppressionCsv, ReadsRowsWithoutAHeader) {
  MemorySuppressionStore store;
  auto report = import(store, "a@x.test\nb@x.test,hard-bounce\n c@x.test , unsubscribe , list-id , 0\n",
                       {Reason::manual, "s", sys_seconds{}});
  EXPECT_EQ(report.added, 3u);
  auto c = store.lookup(*parse_address("c@x.test").address);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->reason, Reason::unsubscribe);
  EXPECT_EQ(c->source, "list-id");
  EXPECT_EQ(store.lookup(*parse_address("a@x.test").address)->reason, Reason::manual);
}

TEST(SuppressionCsv, AHeaderlessRowWhoseSourceIsAColumnNameIsData) {
  MemorySuppressionStore store;
  auto report = import(store, "a@x.test,manual,source\n");
  EXPECT_EQ(report.added, 1u);
}

TEST(SuppressionCsv, SkipsBadRowsWithTheirLineAndReason) {
  MemorySuppressionStore store;
  auto report = import(store,
                       "address,reason,time\n"
                       "good@x.test,,\n"
                       "not-an-address,,\n"
                       "bad@x.test,bounced,\n"
                       "\"multi\nline@x.test\",,\n"
                       "bad@x.test,manual,yesterday\n"
                       "stray\"quote@x.test,,\n"
                       ",manual,\n"
                       "\n"
                       "also@x.test,,\n"
                       "good@x.test,,\n");
  EXPECT_EQ(report.added, 2u);
  EXPECT_EQ(report.already_present, 1u);
  EXPECT_EQ(report.skipped, 6u);
  std::vector<std::pair<std::size_t, std::string>> expected{
      {3, "needs an '@'"},      {4, "unknown reason \"bounced\""},
      {5, "control character"}, {7, "is not RFC 3339"},
      {8, "without quotes"},    {9, "no address"}};
  ASSERT_EQ(report.problems.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(report.problems[i].line, expected[i].first) << i;
    EXPECT_THAT(report.problems[i].problem, HasSubstr(expected[i].second)) << i;
  }
}

TEST(SuppressionCsv, TooManyFieldsWithoutAHeaderIsABadRow) {
  MemorySuppressionStore store;
  auto report = import(store, "a@x.test,manual,s,0,extra\n");
  EXPECT_EQ(report.skipped, 1u);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_THAT(report.problems[0].problem, HasSubstr("5 fields"));
}

TEST(SuppressionCsv, AHeaderWithoutAnAddressColumnStopsTheImport) {
  MemorySuppressionStore store;
  auto report = import(store, "email,reason\njane@x.test,manual\n");
  EXPECT_THAT(report.fatal, HasSubstr("no \"address\" column"));
  EXPECT_TRUE(store.list({}).empty());
  auto twice = import(store, "address,address\njane@x.test,jane@x.test\n");
  EXPECT_THAT(twice.fatal, HasSubstr("twice"));
}

TEST(SuppressionCsv, ReportsAtMostTheFirstProblemsButCountsAll) {
  MemorySuppressionStore store;
  std::string text;
  for (std::size_t i = 0; i < kMaxReportedProblems + 5; ++i)
    text += "bad\n";
  auto report = import(store, text);
  EXPECT_EQ(report.skipped, kMaxReportedProblems + 5);
  EXPECT_EQ(report.problems.size(), kMaxReportedProblems);
}

TEST(SuppressionCsv, ExportReadsBackUnchanged) {
  MemorySuppressionStore store;
  store.add({*SuppressionTarget::parse("\"john, doe\"@x.test").target, Reason::complaint, "fbl, \"aol\"",
             sys_seconds{std::chrono::seconds{1714564800}}});
  store.add({*SuppressionTarget::parse("@y.test").target, Reason::manual, "cli", sys_seconds{}});
  std::ostringstream out;
  export_suppressions(store, out);
  EXPECT_EQ(out.str(),
            "address,reason,source,time\r\n"
            "\"\"\"john, doe\"\"@x.test\",complaint,\"fbl, \"\"aol\"\"\",2024-05-01T12:00:00Z\r\n"
            "@y.test,manual,cli,1970-01-01T00:00:00Z\r\n");
  MemorySuppressionStore copy;
  auto report = import(copy, out.str());
  EXPECT_EQ(report.added, 2u);
  EXPECT_EQ(report.skipped, 0u);
  auto a = store.list({}), b = copy.list({});
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].target, b[i].target);
    EXPECT_EQ(a[i].reason, b[i].reason);
    EXPECT_EQ(a[i].source, b[i].source);
    EXPECT_EQ(a[i].time, b[i].time);
  }
}

struct Time {
  std::string text;
  long long expected;  // -1: refused
};

TEST(Timestamp, ParsesRfc3339AndUnixSeconds) {
  for (const auto& [text, expected] : std::vector<Time>{
           {"2024-05-01T12:00:00Z", 1714564800},
           {"2024-05-01t12:00:00z", 1714564800},
           {"2024-05-01 12:00:00Z", 1714564800},
           {"2024-05-01T14:00:00+02:00", 1714564800},
           {"2024-05-01T07:30:00-04:30", 1714564800},
           {"1714564800", 1714564800},
           {"0", 0},
           {"2024-02-30T00:00:00Z", -1},
           {"2024-05-01T24:00:00Z", -1},
           {"2024-05-01", -1},
           {"2024-05-01T12:00:00", -1},
           {"2024-05-01T12:00:00+0200", -1},
           {"yesterday", -1},
           {"-5", -1},
           {"", -1},
           {"1234567890123", -1},
           {"9999-12-31T23:59:59Z", 253402300799},  // the range format_timestamp writes back the same way
           {"253402300799", 253402300799},
           {"253402300800", -1},
           {"0506-05-01T12:00:00Z", -1},
           {"1969-12-31T23:59:59Z", -1},
           {"1970-01-01T00:30:00+01:00", -1},
       }) {
    auto parsed = parse_timestamp(text);
    EXPECT_EQ(parsed ? parsed->time_since_epoch().count() : -1, expected) << text;
  }
  EXPECT_EQ(format_timestamp(sys_seconds{std::chrono::seconds{1714564800}}), "2024-05-01T12:00:00Z");
}

}  // namespace
}  // namespace campaigns
