#include "mta/config/duration.hpp"

#include <gtest/gtest.h>

namespace mta::config {
namespace {

using std::chrono::seconds;

TEST(Duration, ParsesUnitsAndCombinations) {
  EXPECT_EQ(parse_duration("30s"), seconds(30));
  EXPECT_EQ(parse_duration("5m"), seconds(300));
  EXPECT_EQ(parse_duration("1h30m"), seconds(5400));
  EXPECT_EQ(parse_duration("5d"), seconds(5 * 86400));
  EXPECT_EQ(parse_duration("1d2h3m4s"), seconds(86400 + 7200 + 180 + 4));
  EXPECT_EQ(parse_duration("0s"), seconds(0));
}

TEST(Duration, RejectsAnythingElse) {
  for (const char* bad :
       {"", "5", "m", "5 m", "5min", "-5m", "1m1h", "1m1m", "5M", "1.5h", "99999999999d", "5m "})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Duration, FormatsTheShortestEquivalent) {
  EXPECT_EQ(format_duration(seconds(0)), "0s");
  EXPECT_EQ(format_duration(seconds(90)), "1m30s");
  EXPECT_EQ(format_duration(seconds(3600)), "1h");
  EXPECT_EQ(format_duration(seconds(5 * 86400)), "5d");
  for (long long s : {1LL, 59LL, 61LL, 3599LL, 86401LL, 123456LL})
    EXPECT_EQ(parse_duration(format_duration(seconds(s))), seconds(s));
}

}  // namespace
}  // namespace mta::config
