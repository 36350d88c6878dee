#include "mta/log/log.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <iostream>
#include <mutex>

#include <nlohmann/json.hpp>

namespace mta::log {
namespace {

struct Sink {
  std::mutex mutex;
  std::ostream* out = &std::cerr;
  Format format = Format::text;
  std::atomic<Level> min_level{Level::info};
};

Sink& sink() {
  static Sink instance;
  return instance;
}

std::string now_utc() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buffer, static_cast<int>(millis));
  return out;
}

bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (unsigned char c : text)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  return false;
}

void append_text_value(std::string& out, std::string_view text) {
  if (!needs_quotes(text)) {
    out += text;
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < ' ' || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);  // UTF-8 passes through
    }
  }
  out += '"';
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
  for (auto level : {Level::debug, Level::info, Level::warn, Level::error})
    if (text == to_string(level)) return level;
  return std::nullopt;
}

std::optional<Format> parse_format(std::string_view text) {
  if (text == "text") return Format::text;
  if (text == "json") return Format::json;
  return std::nullopt;
}

std::string_view to_string(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

void configure(Format format, Level min_level, std::ostream* out) {
  Sink& s = sink();
  std::lock_guard lock(s.mutex);
  s.format = format;
  s.min_level = min_level;
  if (out) s.out = out;
}

bool enabled(Level level) {
  return level >= sink().min_level.load(std::memory_order_relaxed);
}

std::string format_line(Format format, std::string_view time, Level level, std::string_view event,
                        std::initializer_list<Field> fields) {
  if (format == Format::json) {
    nlohmann::ordered_json line{{"time", time}, {"level", to_string(level)}, {"event", event}};
    for (const auto& field : fields)
      std::visit([&](const auto& v) { line[std::string(field.key)] = v; }, field.value);
    // Replace invalid UTF-8 from peers rather than throwing.
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string out;
  out.reserve(96);
  out += time;
  out += ' ';
  out += to_string(level);
  out += ' ';
  out += event;
  for (const auto& field : fields) {
    out += ' ';
    out += field.key;
    out += '=';
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::string_view>)
            append_text_value(out, v);
          else if constexpr (std::is_same_v<V, bool>)
            out += v ? "true" : "false";
          else
            out += std::to_string(v);
        },
        field.value);
  }
  return out;
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  Sink& s = sink();
  std::string line;
  {
    std::lock_guard lock(s.mutex);
    line = format_line(s.format, now_utc(), level, event, fields);
    line += '\n';
    s.out->write(line.data(), static_cast<std::streamsize>(line.size()));
    s.out->flush();
  }
}

}  // namespace mta::log
