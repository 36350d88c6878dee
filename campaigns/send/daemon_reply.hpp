// daemon_reply.hpp — what `campaign send` reads in the daemon's reply to DATA: the queue id of
// "250 2.0.0 Ok: queued as ID" (mta/smtp/server_session.cpp), recorded with the recipient.
// Errors: a reply without one gives "" (the recipient is still injected). Untrusted input: the reply text,
// already bounded by the client's ReplyReader; the id is at most kMaxQueueId characters of [A-Za-z0-9._-].
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace campaigns::send {

inline constexpr std::size_t kMaxQueueId = 64;

std::string queue_id_from_reply(std::string_view text);

}  // namespace campaigns::send
