// log.hpp — structured log lines: an event name and key=value fields, as text for a terminal or one JSON
// object a line (--log-format json), to stderr. Thread-safe: one lock per line.
//   log::info("listener.started", {{"address", "127.0.0.1"}, {"port", 587}});
//   text: 2026-11-23T00:30:00.123Z info listener.started address=127.0.0.1 port=587
//   json: {"time":"2026-11-23T00:30:00.123Z","level":"info","event":"listener.started","address":...}
// Field values may hold untrusted text (peer replies, addresses): text format quotes and escapes them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>

namespace mta::log {

enum class Level { debug, info, warn, error };
enum class Format { text, json };

std::optional<Level> parse_level(std::string_view text);
std::optional<Format> parse_format(std::string_view text);
std::string_view to_string(Level level);

struct Field {
  using Value = std::variant<std::string_view, std::int64_t, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  template <typename I>
  requires std::is_integral_v<I> &&(!std::is_same_v<I, bool>)Field(std::string_view k, I v)
      : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}

  std::string_view key;
  Value value;
};

// Sets where lines go (default: std::cerr), their format and the lowest level written (default info).
void configure(Format format, Level min_level, std::ostream* out = nullptr);
bool enabled(Level level);

void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});
inline void debug(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::debug, e, f);
}
inline void info(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::info, e, f);
}
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::warn, e, f);
}
inline void error(std::string_view e, std::initializer_list<Field> f = {}) {
  write(Level::error, e, f);
}

// The line write() would produce, without the time stamp's variability: for tests.
std::string format_line(Format format, std::string_view time, Level level, std::string_view event,
                        std::initializer_list<Field> fields);

}  // namespace mta::log
