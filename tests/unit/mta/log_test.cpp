#include "mta/log/log.hpp"

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace mta::log {
namespace {

constexpr std::string_view kTime = "2026-11-23T00:30:00.123Z";

TEST(Log, TextLineHasTimeLevelEventAndFields) {
  EXPECT_EQ(format_line(Format::text, kTime, Level::info, "listener.started",
                        {{"address", "127.0.0.1"}, {"port", 587}, {"tls", true}}),
            "2026-11-23T00:30:00.123Z info listener.started address=127.0.0.1 port=587 tls=true");
}

TEST(Log, TextQuotesAndEscapesUntrustedValues) {
  EXPECT_EQ(
      format_line(Format::text, kTime, Level::warn, "e", {{"reply", "550 no\r\nsuch \"user\""}, {"x", ""}}),
      "2026-11-23T00:30:00.123Z warn e reply=\"550 no\\x0d\\x0asuch \\\"user\\\"\" x=\"\"");
}

TEST(Log, JsonLineIsOneObject) {
  std::string line = format_line(Format::json, kTime, Level::error, "spool.write_failed",
                                 {{"error", "No space left"}, {"bytes", 4096}, {"bad", "\xff"}});
  auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["time"], kTime);
  EXPECT_EQ(json["level"], "error");
  EXPECT_EQ(json["event"], "spool.write_failed");
  EXPECT_EQ(json["bytes"], 4096);
  EXPECT_EQ(json["error"], "No space left");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Log, LevelsBelowTheMinimumAreDropped) {
  std::ostringstream out;
  configure(Format::text, Level::warn, &out);
  info("not.written");
  warn("written", {{"n", 1}});
  configure(Format::text, Level::info, &std::cerr);
  EXPECT_EQ(out.str().find("not.written"), std::string::npos);
  EXPECT_NE(out.str().find(" warn written n=1\n"), std::string::npos);
}

TEST(Log, ParsesLevelsAndFormats) {
  EXPECT_EQ(parse_level("debug"), Level::debug);
  EXPECT_FALSE(parse_level("verbose"));
  EXPECT_EQ(parse_format("json"), Format::json);
  EXPECT_FALSE(parse_format("xml"));
}

}  // namespace
}  // namespace mta::log
