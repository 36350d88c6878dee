// [bounces]: the defaults (events recorded; soft bounces suppress after 3 campaigns over 15 days), every
// key read, out-of-range values refused with the key named, and the printed configuration read back.
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mta/config/config_loader.hpp"
#include "mta/config/config_writer.hpp"

namespace {

using namespace mta::config;
using ::testing::HasSubstr;

std::string print(const Config& config) {
  std::ostringstream out;
  out << to_toml(config);
  return out.str();
}

LoadResult load(std::string_view text) {
  return load_config_text(text, "test.toml", {.check_files = false});
}

TEST(ConfigBounces, Defaults) {
  auto result = load("");
  ASSERT_TRUE(result.config);
  EXPECT_TRUE(result.config->bounces.record_events);
  EXPECT_EQ(result.config->bounces.soft_bounce_campaigns, 3u);
  EXPECT_EQ(result.config->bounces.soft_bounce_span, std::chrono::hours(24 * 15));
}

TEST(ConfigBounces, ReadsEveryKeyAndPrintsThemBack) {
  auto result =
      load("[bounces]\nrecord_events = false\nsoft_bounce_campaigns = 5\nsoft_bounce_span = \"30d\"\n");
  ASSERT_TRUE(result.config) << result.errors.front().message;
  EXPECT_FALSE(result.config->bounces.record_events);
  EXPECT_EQ(result.config->bounces.soft_bounce_campaigns, 5u);
  EXPECT_EQ(result.config->bounces.soft_bounce_span, std::chrono::hours(24 * 30));
  auto again = load(print(*result.config));
  ASSERT_TRUE(again.config);
  EXPECT_FALSE(again.config->bounces.record_events);
  EXPECT_EQ(again.config->bounces.soft_bounce_campaigns, 5u);
  EXPECT_EQ(again.config->bounces.soft_bounce_span, std::chrono::hours(24 * 30));
}

TEST(ConfigBounces, BadValuesNameTheKey) {
  auto result =
      load("[bounces]\nsoft_bounce_campaigns = 0\nsoft_bounce_span = \"soon\"\nrecord_event = true\n");
  ASSERT_FALSE(result.config);
  std::string all;
  for (const auto& e : result.errors)
    all += e.key + ": " + e.message + "\n";
  EXPECT_THAT(all, HasSubstr("bounces.soft_bounce_campaigns: expected an integer from 1 to 100"));
  EXPECT_THAT(all, HasSubstr("bounces.soft_bounce_span: \"soon\" is not a duration"));
  EXPECT_THAT(all, HasSubstr("record_event"));
}

}  // namespace
