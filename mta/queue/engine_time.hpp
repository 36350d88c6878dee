// engine_time.hpp — private to the delivery engine's files (engine.cpp, delivery_attempt.cpp,
// outcomes.cpp, spool_writes.cpp): the spool's clock (unix seconds) and the wall clock the engine uses.
#pragma once

#include <chrono>
#include <cstdint>

namespace mta::queue::engine_time {

using Clock = std::chrono::system_clock;

inline std::int64_t unix_seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
inline Clock::time_point from_unix(std::int64_t seconds) {
  return Clock::time_point{} + std::chrono::seconds(seconds);
}

}  // namespace mta::queue::engine_time
