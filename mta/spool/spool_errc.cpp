#include "mta/spool/spool_errc.hpp"

#include <string>

namespace mta::spool {
namespace {

class Category : public std::error_category {
 public:
  const char* name() const noexcept override { return "spool"; }
  std::string message(int value) const override {
    switch (static_cast<spool_errc>(value)) {
      case spool_errc::not_found:
        return "no such message in the queue";
      case spool_errc::corrupt:
        return "spool record is corrupt";
      case spool_errc::too_large:
        return "message too large for the spool";
      case spool_errc::unavailable:
        return "spool unavailable after an earlier I/O error";
      case spool_errc::bad_recipient:
        return "no such recipient in the message";
      case spool_errc::shutting_down:
        return "spool is shutting down";
      case spool_errc::newer_format:
        return "the spool holds records written by a newer relayctl";
    }
    return "unknown spool error";
  }
};

}  // namespace

const std::error_category& spool_category() {
  static const Category category;
  return category;
}

std::error_code make_error_code(spool_errc e) {
  return {static_cast<int>(e), spool_category()};
}

}  // namespace mta::spool
