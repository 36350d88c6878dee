// `relayctl recipients import|list|remove` run as a user runs it, on the [inbound] database the
// configuration names: a good file (comments, case, catch-all), importing it again, a bad file whose
// errors name FILE:LINE and change nothing, --replace, remove, stdin, bad --domain, and --help.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;
using ::testing::Not;

class RecipientsCli : public ::testing::Test {
 protected:
  RunResult relayctl(std::vector<std::string> args, const std::string& input = "") {
    return run_relayctl(std::move(args), config, input);
  }
  std::string list(const std::string& domain) {
    auto listed = relayctl({"recipients", "list", "--domain", domain});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return listed.out;
  }

  TempDir dir;
  std::filesystem::path database = dir.path() / "state" / "inbound.db";
  std::filesystem::path config = dir.write(
      "c.toml", "[inbound]\nrelay_domains = [\"example.com\"]\ndatabase = \"" + database.string() + "\"\n");
};

TEST_F(RecipientsCli, ImportListImportAgainRemove) {
  auto file = dir.write("example.txt",
                        "# example.com's mailboxes\n"
                        "Jane@Example.com\n"
                        "\n"
                        "bob@example.com  # sales\n"
                        "*@example.com\n");
  auto imported = relayctl({"recipients", "import", file.string(), "--domain", "Example.COM"});
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(imported.out, "example.com: added 3, already present 0\n");
  EXPECT_TRUE(std::filesystem::exists(database));
  EXPECT_EQ(list("example.com"), "*@example.com\nbob@example.com\njane@example.com\n");

  auto again = relayctl({"recipients", "import", file.string(), "--domain", "example.com"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "example.com: added 0, already present 3\n");

  auto json = relayctl({"recipients", "list", "--domain", "example.com", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out),
            nlohmann::json({"*@example.com", "bob@example.com", "jane@example.com"}));

  auto removed = relayctl({"recipients", "remove", "JANE@example.com", "*@example.com"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(removed.out, "removed JANE@example.com\nremoved *@example.com\n");
  EXPECT_EQ(list("example.com"), "bob@example.com\n");

  auto missing = relayctl({"recipients", "remove", "jane@example.com"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("jane@example.com is not on a recipient list"));

  auto bad = relayctl({"recipients", "remove", "bob@example.com", "no-at-sign"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("'no-at-sign' is not an address"));
  EXPECT_EQ(list("example.com"), "bob@example.com\n");  // nothing removed
}

TEST_F(RecipientsCli, ABadFileNamesEachBadLineAndImportsNothing) {
  auto file = dir.write("bad.txt",
                        "jane@example.com\n"
                        "john@example.org\n"
                        "# fine\n"
                        "two words@example.com\n"
                        "nobody\n");
  auto imported = relayctl({"recipients", "import", file.string(), "--domain", "example.com"});
  EXPECT_EQ(imported.exit_code, 2);
  EXPECT_THAT(imported.err, HasSubstr(file.string() + ":2: 'john@example.org' is not at example.com"));
  EXPECT_THAT(imported.err, HasSubstr("--domain example.org"));
  EXPECT_THAT(imported.err, HasSubstr(file.string() + ":4: "));
  EXPECT_THAT(imported.err, HasSubstr(file.string() + ":5: 'nobody' is not an address"));
  EXPECT_THAT(imported.err, Not(HasSubstr(file.string() + ":1:")));
  EXPECT_THAT(imported.err, HasSubstr("3 bad line(s); nothing was imported"));
  EXPECT_EQ(list("example.com"), "");
}

TEST_F(RecipientsCli, ReplaceMakesTheListTheFile) {
  auto first = dir.write("first.txt", "a@example.com\nb@example.com\nc@example.com\n");
  ASSERT_EQ(relayctl({"recipients", "import", first.string(), "--domain", "example.com"}).exit_code, 0);
  auto second = dir.write("second.txt", "c@example.com\nd@example.com\n");
  auto replaced = relayctl({"recipients", "import", second.string(), "--domain", "example.com", "--replace"});
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(replaced.out, "example.com: added 1, already present 1, removed 2\n");
  EXPECT_EQ(list("example.com"), "c@example.com\nd@example.com\n");

  auto broken = dir.write("broken.txt", "e@example.com\nnot an address\n");
  auto refused = relayctl({"recipients", "import", broken.string(), "--domain", "example.com", "--replace"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(list("example.com"), "c@example.com\nd@example.com\n");  // the old list, whole
}

TEST_F(RecipientsCli, ImportFromStdinAndWarnsAboutADomainThatIsNotRelayed) {
  auto imported = relayctl({"recipients", "import", "-", "--domain", "example.net"}, "x@example.net\n");
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(imported.out, "example.net: added 1, already present 0\n");
  EXPECT_THAT(imported.err, HasSubstr("warning: example.net is not a relay domain"));
  EXPECT_EQ(list("example.net"), "x@example.net\n");
}

TEST_F(RecipientsCli, BadArgumentsAreRefusedWithWhatToDo) {
  auto no_file =
      relayctl({"recipients", "import", (dir.path() / "none.txt").string(), "--domain", "example.com"});
  EXPECT_EQ(no_file.exit_code, 2);
  EXPECT_THAT(no_file.err, HasSubstr("no such file"));

  auto bad_domain = relayctl({"recipients", "list", "--domain", "not a domain"});
  EXPECT_EQ(bad_domain.exit_code, 2);
  EXPECT_THAT(bad_domain.err, HasSubstr("is not a domain name"));

  auto no_domain = relayctl({"recipients", "list"});
  EXPECT_EQ(no_domain.exit_code, 2);
  EXPECT_THAT(no_domain.err, HasSubstr("--domain"));
}

TEST_F(RecipientsCli, ADatabaseThatIsNotOneIsNamed) {
  std::filesystem::create_directories(database.parent_path());
  dir.write("state/inbound.db", std::string(4096, 'x'));
  auto listed = relayctl({"recipients", "list", "--domain", "example.com"});
  EXPECT_EQ(listed.exit_code, 2);
  EXPECT_THAT(listed.err, HasSubstr("is not a SQLite database; check [inbound] database"));
}

TEST_F(RecipientsCli, HelpExplainsTheFileFormat) {
  auto help = run({RELAYCTL_BINARY, "recipients", "import", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("One address per line"));
  EXPECT_THAT(help.out, HasSubstr("--replace"));
}

}  // namespace
