// message_check.hpp — a campaign message checked against what the mailbox providers require of bulk mail,
// as preflight findings:
//   message-format  RFC 5322: header syntax, line length (998), exactly one From and Date, a Message-ID,
//                   no repeated single-instance fields (§3.6), Sender when From has several mailboxes
//   unsubscribe     RFC 8058 one-click: List-Unsubscribe with an https URI (mailto alone does not satisfy
//                   Gmail), List-Unsubscribe-Post: List-Unsubscribe=One-Click, both covered by the DKIM
//                   signature when one is present, and a visible unsubscribe link in the body
//   links           (only when there are some) links to IP literals or non-ASCII names, which no domain list
//                   can be asked about
// and the domains of the links in its text and HTML parts (for the domain blocklists).
// MIME structure and transfer encodings are decoded with GMime. Untrusted input: the whole message
// (bounded by kMaxMessageSize); bad input gives findings, never an exception.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dns/preflight/report.hpp"

namespace campaigns {

inline constexpr std::size_t kMaxMessageSize = 64 * 1024 * 1024;

struct MessageCheck {
  std::vector<dns::preflight::Finding> findings;
  std::vector<std::string> link_domains;  // host names of http(s) links, lower-cased, each once
};

MessageCheck check_message(std::string_view message);

}  // namespace campaigns
