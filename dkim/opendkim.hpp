// opendkim.hpp — libopendkim's C header for dkim/'s own .cpp files (never included outside dkim/).
// dkim.h uses C's _Bool in prototypes; C++ spells it bool, which has the same ABI. Its `struct dkim` would
// clash with our namespace dkim, so the header is declared inside namespace odkim (extern "C" functions
// keep their C names wherever they are declared); its own includes come first, outside that namespace.
#pragma once

#include <inttypes.h>
#include <memory>
#include <sys/param.h>
#include <sys/time.h>
#include <sys/types.h>

#define _Bool bool
namespace odkim {
extern "C" {
#include <opendkim/dkim.h>
}
}  // namespace odkim
#undef _Bool

namespace dkim::detail {

using namespace odkim;

struct LibCloser {
  void operator()(DKIM_LIB* lib) const { dkim_close(lib); }
};
using LibHandle = std::unique_ptr<DKIM_LIB, LibCloser>;

struct HandleFreer {
  void operator()(DKIM* handle) const { dkim_free(handle); }
};
using MessageHandle = std::unique_ptr<DKIM, HandleFreer>;

inline const unsigned char* uchars(const char* text) {
  return reinterpret_cast<const unsigned char*>(text);
}

}  // namespace dkim::detail
