// The send window (campaigns/send/send_window) and the rate (campaigns/send/pacer): pure arithmetic over
// made-up zone offsets and clock readings, so no test waits.
#include <gtest/gtest.h>

#include "campaigns/send/pacer.hpp"
#include "campaigns/send/send_window.hpp"

namespace {

using namespace campaigns;
using namespace campaigns::send;
using namespace std::chrono;

// 2026-01-05 00:00:00 UTC (a Monday).
const SysSeconds kMidnight{seconds(1767571200)};

ZoneOffsets fixed(hours offset) {
  return ZoneOffsets(kMidnight - hours(48), std::vector<seconds>(24 * 10, duration_cast<seconds>(offset)));
}

SysSeconds at(int hour, int minute) {
  return kMidnight + hours(hour) + minutes(minute);
}

struct WindowCase {
  const char* label;
  int start, end;    // minutes
  int hour, minute;  // UTC
  int offset_hours;
  bool inside;
  int opens_in_minutes;  // when outside
};

class Window : public ::testing::TestWithParam<WindowCase> {};

TEST_P(Window, InsideAndOpens) {
  const auto& c = GetParam();
  SendWindow window{c.start, c.end, "Test/Zone"};
  auto zone = fixed(hours(c.offset_hours));
  auto t = at(c.hour, c.minute);
  EXPECT_EQ(inside(window, t, zone), c.inside);
  auto opens = opens_at(window, t, zone);
  if (c.inside) {
    EXPECT_FALSE(opens);
  } else {
    ASSERT_TRUE(opens);
    EXPECT_EQ(duration_cast<minutes>(*opens - t).count(), c.opens_in_minutes);
    EXPECT_TRUE(inside(window, *opens, zone));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Window,
    ::testing::Values(WindowCase{"day_inside", 9 * 60, 18 * 60, 10, 0, 0, true, 0},
                      WindowCase{"day_before", 9 * 60, 18 * 60, 8, 30, 0, false, 30},
                      WindowCase{"day_at_end_is_outside", 9 * 60, 18 * 60, 18, 0, 0, false, 15 * 60},
                      WindowCase{"zone_shifts_it", 9 * 60, 18 * 60, 8, 30, 1, true, 0},
                      WindowCase{"zone_behind", 9 * 60, 18 * 60, 10, 0, -2, false, 60},
                      WindowCase{"night_spans_midnight_late", 22 * 60, 6 * 60, 23, 0, 0, true, 0},
                      WindowCase{"night_spans_midnight_early", 22 * 60, 6 * 60, 5, 59, 0, true, 0},
                      WindowCase{"night_outside", 22 * 60, 6 * 60, 12, 0, 0, false, 10 * 60},
                      WindowCase{"equal_means_always", 0, 0, 3, 0, 0, true, 0}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Window, OffsetChangeIsFollowed) {
  // +1 h until 02:00 UTC, +2 h after (a daylight saving change); 09:00 local is 07:00 UTC after it.
  std::vector<seconds> offsets(24 * 4, hours(2));
  for (int h = 0; h < 48 + 2; ++h)
    offsets[static_cast<std::size_t>(h)] = hours(1);
  ZoneOffsets zone(kMidnight - hours(48), offsets);
  SendWindow window{9 * 60, 17 * 60, "Test/Zone"};
  auto opens = opens_at(window, at(1, 0), zone);
  ASSERT_TRUE(opens);
  EXPECT_EQ(*opens, at(7, 0));
}

TEST(Window, SampledUtcAndNamedZones) {
  auto utc = ZoneOffsets::sample("UTC", kMidnight, 24);
  EXPECT_EQ(utc.at(kMidnight), seconds(0));
  auto tokyo = ZoneOffsets::sample("Asia/Tokyo", kMidnight, 24);  // no daylight saving: +9 h all year
  EXPECT_EQ(tokyo.at(kMidnight + hours(5)), hours(9));
  EXPECT_EQ(describe(SendWindow{9 * 60, 18 * 60 + 30, "Asia/Tokyo"}), "09:00-18:30 Asia/Tokyo");
}

TEST(Pacer, NoLimitMeansNow) {
  Pacer pacer(SendRate{});
  auto now = Pacer::Clock::time_point{} + hours(1);
  EXPECT_EQ(pacer.take(now), now);
  EXPECT_EQ(pacer.take(now), now);
}

TEST(Pacer, PerSecondSpacesSlotsEvenly) {
  Pacer pacer(SendRate{4, 0});
  auto now = Pacer::Clock::time_point{} + hours(1);
  EXPECT_EQ(pacer.take(now), now);
  EXPECT_EQ(pacer.take(now), now + milliseconds(250));
  EXPECT_EQ(pacer.take(now), now + milliseconds(500));
  // After a pause the next slot is now, with no burst to catch up.
  auto later = now + seconds(10);
  EXPECT_EQ(pacer.take(later), later);
  EXPECT_EQ(pacer.take(later), later + milliseconds(250));
}

TEST(Pacer, TheStricterLimitWins) {
  EXPECT_EQ(Pacer(SendRate{100, 3600}).interval(), duration_cast<Pacer::Clock::duration>(seconds(1)));
  EXPECT_EQ(Pacer(SendRate{2, 360000}).interval(), duration_cast<Pacer::Clock::duration>(milliseconds(500)));
}

}  // namespace
