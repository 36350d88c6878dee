// reply_parts.hpp — splits one reply line into what classification rules look at: the reply code
// ("550"), the RFC 3463 enhanced status code ("5.1.1", also "#5.1.1" as some servers write it) and the
// text after them. Multi-line replies joined into one ("550-5.1.1 a 550-5.1.1 b") keep later lines in text.
// "delivery time expired; last error: REPLY" (mta/queue/engine.cpp's expiry) gives REPLY's parts, expired
// set. Untrusted input: any bytes; only the first kMaxReplyBytes are looked at, control characters become
// spaces.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace campaigns {

inline constexpr std::size_t kMaxReplyBytes = 2000;

struct ReplyParts {
  std::optional<int> code;                   // 200-599
  std::optional<std::array<int, 3>> status;  // {5, 1, 1}
  std::string text;                          // trimmed, control characters replaced by spaces
  bool expired = false;                      // the queue gave up; these are the parts of its last error
};

ReplyParts split_reply(std::string_view reply);

}  // namespace campaigns
