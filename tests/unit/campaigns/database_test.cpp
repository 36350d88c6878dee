// campaigns::Database: created with the latest schema in WAL mode, migrations applied to a database the
// AUTH user store made before them (its users kept), a newer database refused untouched, not-a-database.
#include "campaigns/store/database.hpp"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "campaigns/store/schema.hpp"
#include "mta/auth/password_hash.hpp"
#include "mta/auth/user_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace campaigns {
namespace {

using ::testing::HasSubstr;

std::string query(const Database& db, const char* sql) {
  Statement statement(db, sql);
  return statement.step() ? statement.text(0) : "";
}

class DatabaseTest : public ::testing::Test {
 protected:
  relay::test::TempDir dir;
  std::filesystem::path path = dir.path() / "sub" / "relayctl.db";
};

TEST_F(DatabaseTest, CreatesTheFileWithTheLatestSchemaInWalMode) {
  auto opened = Database::open(path);
  ASSERT_TRUE(opened.database) << opened.error;
  EXPECT_EQ(opened.database->schema_version(), latest_schema_version());
  EXPECT_EQ(query(*opened.database, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(query(*opened.database, "SELECT name FROM sqlite_master WHERE name = 'suppression'"),
            "suppression");
  EXPECT_EQ(query(*opened.database, "SELECT name FROM sqlite_master WHERE name = 'auth_users'"),
            "auth_users");
}

TEST_F(DatabaseTest, OpeningAgainChangesNothing) {
  ASSERT_TRUE(Database::open(path).database);
  auto again = Database::open(path);
  ASSERT_TRUE(again.database) << again.error;
  EXPECT_EQ(again.database->schema_version(), latest_schema_version());
}

TEST_F(DatabaseTest, MigratesADatabaseTheUserStoreMadeAndKeepsItsUsers) {
  {
    std::string error;
    auto users = mta::auth::UserStore::open(path, error);
    ASSERT_TRUE(users) << error;
    ASSERT_TRUE(users->add({"alice", {"@example.com"}}, mta::auth::hash_password("pw"), false, error))
        << error;
  }
  auto opened = Database::open(path);
  ASSERT_TRUE(opened.database) << opened.error;
  EXPECT_EQ(opened.database->schema_version(), latest_schema_version());

  std::string error;
  auto users = mta::auth::UserStore::open(path, error);  // and the user store still opens it, alongside
  ASSERT_TRUE(users) << error;
  auto listed = users->list(error);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].name, "alice");
  EXPECT_TRUE(users->authenticate("alice", "pw"));
}

TEST_F(DatabaseTest, TheUserStoreOpensADatabaseMadeHere) {
  ASSERT_TRUE(Database::open(path).database);
  std::string error;
  auto users = mta::auth::UserStore::open(path, error);
  ASSERT_TRUE(users) << error;
  EXPECT_TRUE(users->add({"bob", {"*"}}, mta::auth::hash_password("pw"), false, error)) << error;
}

TEST_F(DatabaseTest, RefusesADatabaseFromANewerRelayctlAndLeavesItAlone) {
  ASSERT_TRUE(Database::open(path).database);
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    std::string sql = "PRAGMA user_version=" + std::to_string(latest_schema_version() + 1);
    ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto opened = Database::open(path);
  EXPECT_FALSE(opened.database);
  EXPECT_THAT(opened.error, HasSubstr(path.string()));
  EXPECT_THAT(opened.error, HasSubstr("schema version " + std::to_string(latest_schema_version() + 1)));
  EXPECT_THAT(opened.error, HasSubstr("newer relayctl"));
}

TEST_F(DatabaseTest, RefusesAFileThatIsNotADatabase) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << "this is a text file, long enough to have a header page that is not SQLite's\n";
  auto opened = Database::open(path);
  EXPECT_FALSE(opened.database);
  EXPECT_THAT(opened.error, HasSubstr("is not a SQLite database"));
}

TEST_F(DatabaseTest, MigrationsAreNumberedInOrder) {
  int expected = 1;
  for (const auto& migration : migrations())
    EXPECT_EQ(migration.version, expected++);
}

TEST_F(DatabaseTest, ATransactionNotCommittedIsRolledBack) {
  auto opened = Database::open(path);
  ASSERT_TRUE(opened.database);
  {
    Transaction transaction(*opened.database);
    Statement(*opened.database, "INSERT INTO suppression VALUES ('@x.test', 'manual', '', 0)").step();
  }
  EXPECT_EQ(query(*opened.database, "SELECT count(*) FROM suppression"), "0");
}

TEST_F(DatabaseTest, AFailingStatementThrowsStoreErrorNamingTheFile) {
  auto opened = Database::open(path);
  ASSERT_TRUE(opened.database);
  try {
    Statement(*opened.database, "INSERT INTO suppression VALUES ('@x.test', 'no-such-reason', '', 0)").step();
    FAIL() << "no exception";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr(path.string()));
    EXPECT_FALSE(error.busy());
  }
}

}  // namespace
}  // namespace campaigns
