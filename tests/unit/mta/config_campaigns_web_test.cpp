// [web] and [campaigns] check_suppression and inject_user: defaults, good values, and errors naming the key
// and the fix (an unknown check_suppression, [web] listen without the token secret, a bad listen address or
// thread count, inject_user without inject_password_file or the other way round).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mta/config/config_loader.hpp"

namespace {

using namespace mta::config;
using ::testing::HasSubstr;

LoadResult load(std::string_view text) {
  return load_config_text(text, "test.toml", {.check_files = false});
}

TEST(ConfigCampaignsWeb, DefaultsCheckCampaignMailAndNoWebListener) {
  auto result = load("");
  ASSERT_TRUE(result.config);
  EXPECT_EQ(result.config->campaigns.check_suppression, SuppressionCheck::campaign);
  EXPECT_FALSE(result.config->web.listen);
  EXPECT_FALSE(result.config->web.tls);
  EXPECT_EQ(result.config->web.threads, 4u);
}

TEST(ConfigCampaignsWeb, ReadsEveryKey) {
  auto result = load(
      "[campaigns]\ntoken_secret_file = \"/etc/relayctl/token.secret\"\ncheck_suppression = \"all\"\n"
      "[web]\nlisten = \"127.0.0.1:8080\"\ntls = true\nthreads = 8\ntimeout = \"30s\"\n");
  ASSERT_TRUE(result.config) << result.errors.front().message;
  EXPECT_EQ(result.config->campaigns.check_suppression, SuppressionCheck::all);
  ASSERT_TRUE(result.config->web.listen);
  EXPECT_EQ(result.config->web.listen->to_string(), "127.0.0.1:8080");
  EXPECT_TRUE(result.config->web.tls);
  EXPECT_EQ(result.config->web.threads, 8u);
  EXPECT_EQ(result.config->web.timeout, std::chrono::seconds(30));
}

TEST(ConfigCampaignsWeb, InjectCredentialsAreBothOrNeither) {
  auto none = load("");
  ASSERT_TRUE(none.config);
  EXPECT_TRUE(none.config->campaigns.inject_user.empty());
  EXPECT_TRUE(none.config->campaigns.inject_password_file.empty());
  auto both =
      load("[campaigns]\ninject_user = \"alice\"\ninject_password_file = \"/etc/relayctl/inject.pw\"\n");
  ASSERT_TRUE(both.config) << both.errors.front().message;
  EXPECT_EQ(both.config->campaigns.inject_user, "alice");
  EXPECT_EQ(both.config->campaigns.inject_password_file, "/etc/relayctl/inject.pw");
}

struct Bad {
  std::string text;
  std::string key;
  std::string message;
};

class ConfigCampaignsWebBad : public ::testing::TestWithParam<Bad> {};

TEST_P(ConfigCampaignsWebBad, NamesTheKeyAndTheFix) {
  auto result = load(GetParam().text);
  EXPECT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors.front().key, GetParam().key);
  EXPECT_THAT(result.errors.front().message, HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Table, ConfigCampaignsWebBad,
    ::testing::Values(Bad{"[campaigns]\ncheck_suppression = \"some\"\n", "campaigns.check_suppression",
                          "not one of \"campaign\", \"all\", \"off\""},
                      Bad{"[web]\nlisten = \"127.0.0.1:8080\"\n", "web.listen", "token_secret_file"},
                      Bad{"[campaigns]\ntoken_secret_file = \"/s\"\n[web]\nlisten = \"localhost\"\n",
                          "web.listen", "IP:PORT"},
                      Bad{"[web]\nthreads = 0\n", "web.threads", ""},
                      Bad{"[campaigns]\ninject_user = \"alice\"\n", "campaigns.inject_user",
                          "needs inject_password_file"},
                      Bad{"[campaigns]\ninject_password_file = \"/p\"\n", "campaigns.inject_password_file",
                          "needs inject_user"},
                      Bad{"[campaigns]\ninject_user = \"a\"\ninject_password_file = \"p\"\n",
                          "campaigns.inject_password_file", "absolute path"}));

}  // namespace
