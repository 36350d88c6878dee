// spool_errc.hpp — the spool's error codes, as a std::error_code category ("spool").
#pragma once

#include <system_error>

namespace mta::spool {

enum class spool_errc {
  not_found = 1,  // no message with that id (never stored, or already removed)
  corrupt,        // a record failed its checksum or could not be decoded
  too_large,      // the message exceeds the largest record the spool stores
  unavailable,    // an earlier write or fsync failed; the spool accepts nothing until restarted
  bad_recipient,  // a recipient index out of range
  shutting_down,  // the spool is closing
  newer_format,   // the spool holds records of a type this version does not know (a newer one wrote them)
};

const std::error_category& spool_category();
std::error_code make_error_code(spool_errc e);

}  // namespace mta::spool

template <>
struct std::is_error_code_enum<mta::spool::spool_errc> : std::true_type {};
