// The token secret file: TokenSecret::load and [campaigns] token_secret_file in the configuration loader
// — a private file of at least 32 bytes is taken (one trailing newline dropped); a missing, short,
// world-readable, group-writable or non-regular one is refused naming the file, the fix, and for the
// configuration its line.
#include "campaigns/tokens/token_secret.hpp"

#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaigns/tokens/verp.hpp"
#include "mta/config/config_loader.hpp"
#include "mta/config/secret_file.hpp"
#include "tests/support/temp_dir.hpp"

namespace campaigns {
namespace {

using ::testing::HasSubstr;

const std::string k32 = "0123456789abcdef0123456789abcdef";

class TokenSecretFile : public ::testing::Test {
 protected:
  std::filesystem::path secret(const std::string& content, mode_t mode = 0600) {
    auto path = dir.write("token.secret", content);
    ::chmod(path.c_str(), mode);
    return path;
  }
  relay::test::TempDir dir;
};

TEST_F(TokenSecretFile, LoadsAPrivateFileDroppingOneNewline) {
  auto loaded = TokenSecret::load(secret(k32 + "\n"));
  ASSERT_TRUE(loaded.secret) << loaded.error;
  EXPECT_EQ(loaded.secret->bytes(), k32);
  auto crlf = TokenSecret::load(secret(k32 + "\r\n", 0640));
  ASSERT_TRUE(crlf.secret) << crlf.error;
  EXPECT_EQ(crlf.secret->bytes(), k32);
}

TEST_F(TokenSecretFile, TheSameSecretFromTheFileSignsTheSameTokens) {
  auto loaded = TokenSecret::load(secret(k32 + "\n"));
  ASSERT_TRUE(loaded.secret);
  auto c = *CampaignId::parse("c1");
  auto r = *RecipientId::parse("1");
  EXPECT_EQ(make_token(*loaded.secret, c, r), make_token(TokenSecret::from_bytes(k32), c, r));
}

struct Bad {
  std::string label;
  std::string content;
  mode_t mode;
  std::string problem;
};

class BadTokenSecret : public TokenSecretFile, public ::testing::WithParamInterface<Bad> {};

TEST_P(BadTokenSecret, IsRefusedWithTheFix) {
  auto path = secret(GetParam().content, GetParam().mode);
  auto loaded = TokenSecret::load(path);
  EXPECT_FALSE(loaded.secret);
  EXPECT_THAT(loaded.error, HasSubstr(path.string()));
  EXPECT_THAT(loaded.error, HasSubstr(GetParam().problem));
}

INSTANTIATE_TEST_SUITE_P(Files, BadTokenSecret,
                         ::testing::Values(Bad{"short", "too short\n", 0600, "fewer than 32"},
                                           Bad{"empty", "", 0600, "openssl rand -hex 32"},
                                           Bad{"world_readable", k32, 0644, "chmod 600"},
                                           Bad{"group_writable", k32, 0660, "writable by its group"},
                                           Bad{"huge", std::string(5000, 'x'), 0600, "larger than 4096"}),
                         [](const auto& info) { return info.param.label; });

TEST_F(TokenSecretFile, AMissingFileSaysHowToMakeOne) {
  auto loaded = TokenSecret::load(dir.path() / "absent");
  EXPECT_FALSE(loaded.secret);
  EXPECT_THAT(loaded.error, HasSubstr("No such file"));
  EXPECT_THAT(loaded.error, HasSubstr("umask 077; openssl rand -hex 32 >"));
}

TEST_F(TokenSecretFile, ADirectoryIsRefused) {
  auto loaded = TokenSecret::load(dir.path());
  EXPECT_FALSE(loaded.secret);
  EXPECT_THAT(loaded.error, HasSubstr("not a regular file"));
}

mta::config::LoadResult load_campaigns(const std::string& table) {
  return mta::config::load_config_text("[campaigns]\n" + table, "relay.toml");
}

TEST_F(TokenSecretFile, TheConfigurationTakesAGoodFile) {
  auto path = secret(k32);
  auto result = load_campaigns("token_secret_file = \"" + path.string() + "\"\n");
  ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors[0].message);
  EXPECT_EQ(result.config->campaigns.token_secret_file, path);
  auto unset = load_campaigns("");
  ASSERT_TRUE(unset.config);
  EXPECT_TRUE(unset.config->campaigns.token_secret_file.empty());
}

TEST_F(TokenSecretFile, TheConfigurationNamesTheLineOfABadFile) {
  auto path = secret(k32, 0644);
  auto result = load_campaigns("database = \"/tmp/x.db\"\ntoken_secret_file = \"" + path.string() + "\"\n");
  EXPECT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 3u);
  EXPECT_EQ(result.errors[0].key, "campaigns.token_secret_file");
  EXPECT_THAT(mta::config::format_diagnostic("relay.toml", result.errors[0]), HasSubstr("relay.toml:3:"));
  EXPECT_THAT(result.errors[0].message, HasSubstr("chmod 600"));

  auto relative = load_campaigns("token_secret_file = \"token.secret\"\n");
  ASSERT_EQ(relative.errors.size(), 1u);
  EXPECT_THAT(relative.errors[0].message, HasSubstr("absolute path"));
  auto missing = load_campaigns("token_secret_file = \"" + (dir.path() / "absent").string() + "\"\n");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_THAT(missing.errors[0].message, HasSubstr("openssl rand"));
}

TEST_F(TokenSecretFile, AnInjectPasswordMayBeShortButMustBePrivate) {
  auto good = secret("secret\n");
  auto result = load_campaigns("inject_user = \"alice\"\ninject_password_file = \"" + good.string() + "\"\n");
  ASSERT_TRUE(result.config) << (result.errors.empty() ? "" : result.errors[0].message);
  EXPECT_EQ(mta::config::read_secret_file(good, 1).secret, "secret");

  auto open = secret("secret\n", 0644);
  result = load_campaigns("inject_user = \"alice\"\ninject_password_file = \"" + open.string() + "\"\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].key, "campaigns.inject_password_file");
  EXPECT_THAT(result.errors[0].message, HasSubstr("chmod 600"));

  auto empty = secret("\n");
  result = load_campaigns("inject_user = \"alice\"\ninject_password_file = \"" + empty.string() + "\"\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(result.errors[0].message, HasSubstr("write the password into it"));
}

}  // namespace
}  // namespace campaigns
