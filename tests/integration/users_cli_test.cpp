// `relayctl users add|remove|list`: scrypt-hashed users in SQLite, duplicates, bad input, exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

class UsersCli : public ::testing::Test {
 protected:
  RunResult relayctl(std::vector<std::string> args, const std::string& input = "") {
    return run_relayctl(std::move(args), config, input);
  }
  TempDir dir;
  std::filesystem::path config =
      dir.write("c.toml", "[campaigns]\ndatabase = \"" + (dir.path() / "users.db").string() + "\"\n");
};

TEST_F(UsersCli, AddListRemove) {
  auto added = relayctl(
      {"users", "add", "bob", "--allow", "@example.com", "--allow", "ceo@corp.test", "--password-stdin"},
      "hunter2\n");
  EXPECT_EQ(added.exit_code, 0) << added.err;
  auto list = relayctl({"users", "list", "--json"});
  auto users = nlohmann::json::parse(list.out);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["name"], "bob");
  EXPECT_EQ(users[0]["allowed_senders"], nlohmann::json({"@example.com", "ceo@corp.test"}));

  auto dump = run({"sqlite3", (dir.path() / "users.db").string(), "SELECT password_hash FROM auth_users"});
  EXPECT_THAT(dump.out, HasSubstr("$scrypt$ln="));
  EXPECT_THAT(dump.out, ::testing::Not(HasSubstr("hunter2")));

  auto again = relayctl({"users", "add", "bob", "--allow", "*", "--password-stdin"}, "x\n");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("already exists"));
  EXPECT_EQ(
      relayctl({"users", "add", "bob", "--allow", "*", "--password-stdin", "--replace"}, "x\n").exit_code, 0);

  EXPECT_EQ(relayctl({"users", "remove", "bob"}).exit_code, 0);
  auto missing = relayctl({"users", "remove", "bob"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no user 'bob'"));
}

TEST_F(UsersCli, BadInputExitsTwo) {
  EXPECT_EQ(
      relayctl({"users", "add", "carol", "--allow", "not-an-address", "--password-stdin"}, "pw\n").exit_code,
      2);
  EXPECT_EQ(relayctl({"users", "add", "carol", "--allow", "@x.test", "--password-stdin"}, "").exit_code, 2);
  EXPECT_EQ(relayctl({"users", "add", "carol", "--password-stdin"}, "pw\n").exit_code,
            2);  // --allow required
}

}  // namespace
