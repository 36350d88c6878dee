// auto_reply.hpp — recognises automatic replies that are not bounces: out-of-office and vacation
// notices (RFC 3834 Auto-Submitted: auto-replied, X-Autoreply, X-Autorespond, Precedence: auto_reply,
// subjects in several languages) and challenge-response requests (Boxbe, SpamArrest, Mailinblack, "please
// confirm your message"). The signs are a table in auto_reply.cpp. Run it after DSN, ARF and bounce-text
// detection: bounces carry Auto-Submitted too. Errors: none. Untrusted input: header fields and body text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "campaigns/bounces/parse/fields.hpp"

namespace campaigns {

// The sign that made the message an automatic reply ("Auto-Submitted: auto-replied",
// "subject: out of office", "challenge-response: boxbe"), or "" when there is none.
std::string detect_auto_reply(const std::vector<HeaderField>& header, std::string_view subject,
                              std::string_view body);

}  // namespace campaigns
