// gmime_support.hpp — what every user of GMime here shares: g_mime_init once per process (thread-safe),
// and GObjectRef, which owns one GObject reference (message_check, mime_writer, bounces/parse).
// No input: GMime's own objects only.
#pragma once

#include <mutex>

#include <gmime/gmime.h>

namespace campaigns {

inline void gmime_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

template <typename T>
struct GObjectRef {
  T* p = nullptr;
  explicit GObjectRef(T* pointer) : p(pointer) {}
  GObjectRef(const GObjectRef&) = delete;
  GObjectRef& operator=(const GObjectRef&) = delete;
  ~GObjectRef() {
    if (p) g_object_unref(p);
  }
};

}  // namespace campaigns
