// SuppressionStore: the same behaviour from the SQLite store and the in-memory one — add (an existing entry
// kept), remove, lookup (the address with its domain's case ignored, else its whole domain), list by
// reason and limit; and reasons by name.
#include <functional>
#include <memory>

#include <gtest/gtest.h>

#include "campaigns/store/database.hpp"
#include "campaigns/suppression/memory_suppression_store.hpp"
#include "campaigns/suppression/sqlite_suppression_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace campaigns {
namespace {

using std::chrono::sys_seconds;

SuppressionTarget target(std::string_view text) {
  auto parsed = SuppressionTarget::parse(text);
  EXPECT_TRUE(parsed.target) << text << ": " << parsed.problem;
  return *parsed.target;
}

Address address(std::string_view text) {
  return *parse_address(text).address;
}

Suppression entry(std::string_view text, Reason reason, std::string source = "test", long long time = 1000) {
  return {target(text), reason, std::move(source), sys_seconds{std::chrono::seconds{time}}};
}

// Owns whatever the store under test needs.
struct Fixture {
  relay::test::TempDir dir;
  std::unique_ptr<Database> database;
  std::unique_ptr<SuppressionStore> store;
};

using Maker = std::function<void(Fixture&)>;

class SuppressionStoreTest : public ::testing::TestWithParam<std::pair<std::string, Maker>> {
 protected:
  void SetUp() override { GetParam().second(fixture); }
  SuppressionStore& store() { return *fixture.store; }
  Fixture fixture;
};

TEST_P(SuppressionStoreTest, AddsOnceAndKeepsTheFirstEntry) {
  EXPECT_EQ(store().add(entry("jane@example.com", Reason::complaint, "fbl", 100)), AddOutcome::added);
  EXPECT_EQ(store().add(entry("jane@EXAMPLE.com", Reason::manual, "cli", 200)), AddOutcome::already_present);
  auto found = store().lookup(address("jane@example.com"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->reason, Reason::complaint);
  EXPECT_EQ(found->source, "fbl");
  EXPECT_EQ(found->time.time_since_epoch().count(), 100);
}

TEST_P(SuppressionStoreTest, AddAllReportsEachEntry) {
  auto outcomes = store().add_all({entry("a@x.test", Reason::import), entry("@y.test", Reason::import),
                                   entry("a@X.TEST", Reason::import)});
  EXPECT_EQ(outcomes,
            (std::vector<AddOutcome>{AddOutcome::added, AddOutcome::added, AddOutcome::already_present}));
}

struct Lookup {
  std::string address;
  std::string expected;  // the target that matches, "" for none
};

TEST_P(SuppressionStoreTest, LooksUpTheAddressThenItsDomain) {
  store().add(entry("jane@example.com", Reason::hard_bounce));
  store().add(entry("@blocked.test", Reason::manual));
  store().add(entry("\"john doe\"@example.com", Reason::unsubscribe));
  store().add(entry("both@blocked.test", Reason::unsubscribe));
  for (const auto& [text, expected] : std::vector<Lookup>{
           {"jane@example.com", "jane@example.com"},
           {"jane@Example.COM", "jane@example.com"},
           {"Jane@example.com", "jane@example.com"},  // folded: providers ignore the local part's case
           {"jane2@example.com", ""},
           {"anyone@blocked.test", "@blocked.test"},
           {"anyone@BLOCKED.test", "@blocked.test"},
           {"anyone@sub.blocked.test", ""},  // a domain entry does not cover subdomains
           {"both@blocked.test", "both@blocked.test"},
           {"\"john doe\"@example.com", "\"john doe\"@example.com"},
           {"\"John Doe\"@example.com", "\"john doe\"@example.com"},
       }) {
    auto found = store().lookup(address(text));
    EXPECT_EQ(found ? found->target.str() : "", expected) << text;
  }
}

TEST_P(SuppressionStoreTest, RemovesOnlyWhatIsThere) {
  store().add(entry("jane@example.com", Reason::manual));
  store().add(entry("@example.com", Reason::manual));
  EXPECT_TRUE(store().remove(target("jane@EXAMPLE.COM")));
  EXPECT_FALSE(store().remove(target("jane@example.com")));
  EXPECT_TRUE(store().lookup(address("jane@example.com")));  // still: the domain entry
  EXPECT_TRUE(store().remove(target("@example.com")));
  EXPECT_FALSE(store().lookup(address("jane@example.com")));
}

TEST_P(SuppressionStoreTest, ListsByTargetFilteredByReasonAndLimited) {
  store().add(entry("c@x.test", Reason::complaint));
  store().add(entry("a@x.test", Reason::hard_bounce));
  store().add(entry("@z.test", Reason::complaint));
  store().add(entry("b@x.test", Reason::complaint));
  auto targets = [](const std::vector<Suppression>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries)
      out.push_back(e.target.str());
    return out;
  };
  EXPECT_EQ(targets(store().list({})),
            (std::vector<std::string>{"@z.test", "a@x.test", "b@x.test", "c@x.test"}));
  EXPECT_EQ(targets(store().list({Reason::complaint, std::nullopt})),
            (std::vector<std::string>{"@z.test", "b@x.test", "c@x.test"}));
  EXPECT_EQ(targets(store().list({Reason::complaint, 2})), (std::vector<std::string>{"@z.test", "b@x.test"}));
  EXPECT_TRUE(store().list({Reason::unsubscribe, std::nullopt}).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Stores, SuppressionStoreTest,
    ::testing::Values(std::make_pair(std::string("sqlite"), Maker([](Fixture& f) {
                                       auto opened = Database::open(f.dir.path() / "s.db");
                                       ASSERT_TRUE(opened.database) << opened.error;
                                       f.database = std::move(opened.database);
                                       f.store = std::make_unique<SqliteSuppressionStore>(*f.database);
                                     })),
                      std::make_pair(std::string("memory"), Maker([](Fixture& f) {
                                       f.store = std::make_unique<MemorySuppressionStore>();
                                     }))),
    [](const auto& info) { return info.param.first; });

TEST(SqliteSuppressionStore, EntriesOutliveTheConnection) {
  relay::test::TempDir dir;
  {
    auto opened = Database::open(dir.path() / "s.db");
    ASSERT_TRUE(opened.database);
    SqliteSuppressionStore(*opened.database)
        .add(entry("jane@example.com", Reason::unsubscribe, "link", 1714564800));
  }
  auto opened = Database::open(dir.path() / "s.db");
  ASSERT_TRUE(opened.database);
  auto found = SqliteSuppressionStore(*opened.database).lookup(address("jane@example.com"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->reason, Reason::unsubscribe);
  EXPECT_EQ(found->source, "link");
  EXPECT_EQ(found->time.time_since_epoch().count(), 1714564800);
}

TEST(Reason, NamesRoundTrip) {
  for (auto reason :
       {Reason::hard_bounce, Reason::complaint, Reason::unsubscribe, Reason::manual, Reason::import})
    EXPECT_EQ(parse_reason(to_string(reason)), reason);
  EXPECT_EQ(to_string(Reason::hard_bounce), "hard-bounce");
  for (const char* bad : {"", "hard_bounce", "Manual", "bounce", "manual "})
    EXPECT_FALSE(parse_reason(bad)) << bad;
}

TEST(Source, IsBoundedPrintableText) {
  EXPECT_TRUE(is_valid_source(""));
  EXPECT_TRUE(is_valid_source("fbl: yahoo, 2024-05-01"));
  EXPECT_TRUE(is_valid_source(std::string(kMaxSourceLength, 'x')));
  EXPECT_FALSE(is_valid_source(std::string(kMaxSourceLength + 1, 'x')));
  EXPECT_FALSE(is_valid_source("a\nb"));
  EXPECT_FALSE(is_valid_source("a\x1b[31mred"));
}

}  // namespace
}  // namespace campaigns
