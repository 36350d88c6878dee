// reply_normaliser.hpp — a remote server's reply text reduced to its reason, so that the same reason from
// many recipients and queue ids counts once: addresses become <address>, IP addresses <ip>, tokens that
// carry digits or look like hex/base64 (queue ids, message ids, timestamps, host names with serials) <id>;
// the reply code and the enhanced status code are kept, the continuation prefixes of a multi-line reply
// ("550-5.1.1") dropped, white space collapsed, the result cut at kMaxNormalisedReply octets.
// Errors: none. Untrusted input: the reply text, any bytes (non-UTF-8 bytes are kept as they are).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace campaigns {

inline constexpr std::size_t kMaxNormalisedReply = 320;  // Gmail's longest replies fit whole

std::string normalise_reply(std::string_view reply);

}  // namespace campaigns
