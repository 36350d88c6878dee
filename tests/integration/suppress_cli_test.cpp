// `relayctl suppress add|remove|list|import|export` run as a user runs it: every subcommand, the CSV
// round trip, and bad input — invalid addresses, unknown reasons, malformed and duplicate CSV rows, a
// missing file, a header without addresses, a database from a newer relayctl, a bad token secret file.
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

class SuppressCli : public ::testing::Test {
 protected:
  RunResult relayctl(std::vector<std::string> args, const std::string& input = "") {
    return run_relayctl(std::move(args), config, input);
  }
  nlohmann::json list_json(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"suppress", "list", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto listed = relayctl(args);
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return nlohmann::json::parse(listed.out);
  }
  std::vector<std::string> addresses(const nlohmann::json& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries)
      out.push_back(e["address"]);
    return out;
  }
  TempDir dir;
  std::filesystem::path database = dir.path() / "relayctl.db";
  std::filesystem::path config =
      dir.write("c.toml", "[campaigns]\ndatabase = \"" + database.string() + "\"\n");
};

TEST_F(SuppressCli, AddListRemove) {
  auto added = relayctl({"suppress", "add", "jane@Example.COM", "@blocked.test", "--reason", "complaint",
                         "--source", "fbl: yahoo"});
  EXPECT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(added.out, "added jane@example.com\nadded @blocked.test\n");

  auto again = relayctl({"suppress", "add", "jane@example.com", "--reason", "manual"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "already present jane@example.com\n");

  auto entries = list_json();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1]["address"], "jane@example.com");
  EXPECT_EQ(entries[1]["reason"], "complaint");  // the first entry is kept
  EXPECT_EQ(entries[1]["source"], "fbl: yahoo");
  EXPECT_THAT(entries[1]["time"].get<std::string>(), ::testing::MatchesRegex("20[0-9-]+T[0-9:]+Z"));

  auto text = relayctl({"suppress", "list"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_THAT(text.out, ::testing::ContainsRegex("@blocked.test     complaint    20[^ ]+Z  fbl: yahoo\n"));

  auto removed = relayctl({"suppress", "remove", "nobody@example.com"});
  EXPECT_EQ(removed.exit_code, 1);
  EXPECT_THAT(removed.err, HasSubstr("nobody@example.com is not on the suppression list"));
  removed = relayctl({"suppress", "remove", "JANE@EXAMPLE.com", "@blocked.test"});  // case is ignored
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(removed.out, "removed jane@example.com\nremoved @blocked.test\n");
  EXPECT_TRUE(list_json().empty());
}

TEST_F(SuppressCli, ListFiltersByReasonAndLimits) {
  ASSERT_EQ(
      relayctl({"suppress", "add", "a@x.test", "b@x.test", "c@x.test", "--reason", "unsubscribe"}).exit_code,
      0);
  ASSERT_EQ(relayctl({"suppress", "add", "d@x.test", "--reason", "hard-bounce"}).exit_code, 0);
  EXPECT_EQ(addresses(list_json({"--reason", "hard-bounce"})), std::vector<std::string>{"d@x.test"});
  EXPECT_EQ(addresses(list_json({"--reason", "unsubscribe", "--limit", "2"})),
            (std::vector<std::string>{"a@x.test", "b@x.test"}));
  auto bad = relayctl({"suppress", "list", "--reason", "bounce"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("use one of hard-bounce, soft-bounce, complaint, unsubscribe, manual, import"));
}

TEST_F(SuppressCli, BadAddressesAndReasonsChangeNothing) {
  auto bad =
      relayctl({"suppress", "add", "ok@x.test", "not-an-address", "a..b@x.test", "--reason", "manual"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("'not-an-address' is not an address or @domain: an address needs an '@'"));
  EXPECT_THAT(bad.err, HasSubstr("'a..b@x.test'"));
  auto reason = relayctl({"suppress", "add", "ok@x.test", "--reason", "spam"});
  EXPECT_EQ(reason.exit_code, 2);
  EXPECT_THAT(reason.err, HasSubstr("--reason 'spam' is not a reason"));
  EXPECT_EQ(relayctl({"suppress", "add", "ok@x.test"}).exit_code, 2);  // --reason is required
  EXPECT_EQ(relayctl({"suppress", "remove", "@"}).exit_code, 2);
  EXPECT_EQ(relayctl({"suppress"}).exit_code, 2);
  EXPECT_TRUE(list_json().empty());
}

TEST_F(SuppressCli, ImportCountsAndReportsBadRowsByLine) {
  ASSERT_EQ(relayctl({"suppress", "add", "present@x.test", "--reason", "manual"}).exit_code, 0);
  auto file = dir.write("list.csv",
                        "\xEF\xBB\xBF"
                        "address,reason,source,time\r\n"
                        "new@x.test,hard-bounce,mta,2024-05-01T12:00:00Z\r\n"
                        "present@x.test,,,\r\n"
                        "\"\"\"quoted, name\"\"@x.test\",,,\r\n"
                        "new@x.test,complaint,,\r\n"
                        "nobody,,,\r\n"
                        "bad@x.test,spam,,\r\n"
                        "\"bad\nrow\"@x.test,,,\r\n"
                        "@whole.test,,,\r\n");
  auto imported = relayctl({"suppress", "import", file.string(), "--reason", "unsubscribe"});
  EXPECT_EQ(imported.exit_code, 1) << imported.err;
  EXPECT_EQ(imported.out, "added 3, already present 2, skipped 3\n");
  EXPECT_THAT(imported.err, HasSubstr(file.string() + ":6: skipped: \"nobody\": an address needs an '@'"));
  EXPECT_THAT(imported.err, HasSubstr(file.string() + ":7: skipped: unknown reason \"spam\""));
  EXPECT_THAT(imported.err, HasSubstr(file.string() + ":8: skipped:"));
  EXPECT_THAT(imported.err, HasSubstr("fix the skipped rows"));

  auto entries = list_json();
  ASSERT_EQ(addresses(entries), (std::vector<std::string>{"\"quoted, name\"@x.test", "@whole.test",
                                                          "new@x.test", "present@x.test"}));
  EXPECT_EQ(entries[1]["reason"], "unsubscribe");  // --reason for rows without one
  EXPECT_EQ(entries[1]["source"], "import:" + file.string());
  EXPECT_EQ(entries[2]["reason"], "hard-bounce");
  EXPECT_EQ(entries[2]["time"], "2024-05-01T12:00:00Z");
  EXPECT_EQ(entries[3]["reason"], "manual");  // already there: kept

  auto clean = relayctl({"suppress", "import", "-"}, "a@y.test\nb@y.test,complaint\n");
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_EQ(clean.out, "added 2, already present 0, skipped 0\n");
}

TEST_F(SuppressCli, ImportRefusesWhatItCannotRead) {
  auto missing = relayctl({"suppress", "import", (dir.path() / "absent.csv").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("absent.csv: no such file"));
  auto directory = relayctl({"suppress", "import", dir.path().string()});
  EXPECT_EQ(directory.exit_code, 2);
  EXPECT_THAT(directory.err, HasSubstr("not a regular file"));
  auto header =
      relayctl({"suppress", "import", dir.write("h.csv", "email,reason\nx@y.test,manual\n").string()});
  EXPECT_EQ(header.exit_code, 2);
  EXPECT_THAT(header.err, HasSubstr("h.csv: line 1: the header has no \"address\" column"));
  auto reason = relayctl({"suppress", "import", "-", "--reason", "nope"}, "x@y.test\n");
  EXPECT_EQ(reason.exit_code, 2);
  EXPECT_TRUE(list_json().empty());
}

TEST_F(SuppressCli, ExportReadsBackIntoAnotherDatabase) {
  ASSERT_EQ(relayctl({"suppress", "add", "\"a,b\"@x.test", "@y.test", "--reason", "complaint", "--source",
                      "fbl, \"aol\""})
                .exit_code,
            0);
  auto to_stdout = relayctl({"suppress", "export"});
  EXPECT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_THAT(to_stdout.out,
              ::testing::StartsWith("address,reason,source,time\r\n\"\"\"a,b\"\"@x.test\",complaint,"
                                    "\"fbl, \"\"aol\"\"\","));
  auto file = dir.path() / "out.csv";
  auto to_file = relayctl({"suppress", "export", file.string()});
  EXPECT_EQ(to_file.exit_code, 0) << to_file.err;
  std::ifstream in(file, std::ios::binary);
  std::stringstream written;
  written << in.rdbuf();
  EXPECT_EQ(written.str(), to_stdout.out);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out.csv.tmp"));

  auto original = list_json();
  config =
      dir.write("other.toml", "[campaigns]\ndatabase = \"" + (dir.path() / "other.db").string() + "\"\n");
  auto imported = relayctl({"suppress", "import", file.string()});
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(list_json(), original);

  auto unwritable = relayctl({"suppress", "export", (dir.path() / "no" / "such" / "dir.csv").string()});
  EXPECT_EQ(unwritable.exit_code, 2);
  EXPECT_THAT(unwritable.err, HasSubstr("cannot write"));
}

TEST_F(SuppressCli, RefusesADatabaseFromANewerRelayctl) {
  ASSERT_EQ(relayctl({"suppress", "add", "a@x.test", "--reason", "manual"}).exit_code, 0);
  ASSERT_EQ(run({"sqlite3", database.string(), "PRAGMA user_version=99"}).exit_code, 0);
  auto refused = relayctl({"suppress", "list"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr(database.string() + " has schema version 99"));
  EXPECT_THAT(refused.err, HasSubstr("a newer relayctl has upgraded it"));
  EXPECT_THAT(refused.err, HasSubstr("[campaigns] database"));
  EXPECT_EQ(run({"sqlite3", database.string(), "PRAGMA user_version"}).out, "99\n");  // left alone
}

TEST_F(SuppressCli, ADatabaseTheUsersCommandMadeGainsTheSuppressionList) {
  auto user = relayctl({"users", "add", "bob", "--allow", "*", "--password-stdin"}, "pw\n");
  ASSERT_EQ(user.exit_code, 0) << user.err;
  EXPECT_EQ(relayctl({"suppress", "add", "a@x.test", "--reason", "manual"}).exit_code, 0);
  auto users = relayctl({"users", "list"});
  EXPECT_EQ(users.exit_code, 0);
  EXPECT_EQ(users.out, "bob *\n");
  EXPECT_EQ(run({"sqlite3", database.string(), "PRAGMA journal_mode"}).out, "wal\n");
}

TEST_F(SuppressCli, ABadTokenSecretFileIsAConfigurationErrorWithItsLine) {
  auto secret = dir.write("token.secret", "0123456789abcdef0123456789abcdef\n");
  ::chmod(secret.c_str(), 0644);
  config = dir.write("c.toml", "[campaigns]\ndatabase = \"" + database.string() +
                                   "\"\ntoken_secret_file = \"" + secret.string() + "\"\n");
  auto refused = relayctl({"suppress", "list"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr(config.string() + ":3:"));
  EXPECT_THAT(refused.err, HasSubstr("chmod 600 " + secret.string()));
  ::chmod(secret.c_str(), 0600);
  EXPECT_EQ(relayctl({"suppress", "list"}).exit_code, 0);
}

TEST_F(SuppressCli, EverySubcommandHasHelp) {
  for (const char* command : {"add", "remove", "list", "import", "export"}) {
    auto help = run({RELAYCTL_BINARY, "suppress", command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_THAT(help.out, HasSubstr("--config")) << command;
  }
  auto import = run({RELAYCTL_BINARY, "suppress", "import", "--help"});
  EXPECT_THAT(import.out, HasSubstr("address, reason, source, time"));
  EXPECT_THAT(run({RELAYCTL_BINARY, "--help"}).out, HasSubstr("suppress"));
  auto suppress = run({RELAYCTL_BINARY, "suppress", "--help"});
  EXPECT_EQ(suppress.exit_code, 0);
  for (const char* command : {"add", "remove", "list", "import", "export"})
    EXPECT_THAT(suppress.out, HasSubstr(std::string("\n  ") + command + " ")) << command;
}

}  // namespace
