// dsn.hpp — delivery status notifications (RFC 3464, in an RFC 6522 multipart/report): what the sender
// gets back when recipients bounce, expire or are delayed. A DSN is never made for the null sender, and is
// itself sent from the null sender, so DSNs never loop (RFC 5321 §4.5.5). Remote servers' reply text is
// untrusted: it is stripped of control characters, bounded and folded before it goes into the report.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mta::bounce {

using Clock = std::chrono::system_clock;

enum class DsnAction { failed, delayed, delivered, relayed, expanded };
std::string_view to_string(DsnAction action);

struct DsnRecipient {
  std::string final_recipient;                    // the address we tried, e.g. "jane@example.org"
  std::optional<std::string> original_recipient;  // ORCPT as given: "rfc822;jane@example.org"
  DsnAction action = DsnAction::failed;
  std::string status;                     // RFC 3463 code, e.g. "5.1.1"
  std::optional<std::string> remote_mta;  // the server that answered, e.g. "mx.example.org"
  std::optional<std::string> diagnostic;  // its reply, e.g. "550 5.1.1 no such user"
  Clock::time_point last_attempt{};
  std::optional<Clock::time_point> will_retry_until;  // for delayed
};

struct DsnInput {
  std::string reporting_mta;               // our host name
  std::string envelope_sender;             // the original MAIL FROM; empty: the null sender
  std::optional<std::string> envelope_id;  // ENVID
  Clock::time_point arrival{};
  std::vector<DsnRecipient> recipients;         // all with the same kind of outcome (failed, or delayed)
  std::string original_headers;                 // the original header section (without the blank line)
  std::optional<std::string> original_message;  // whole message when RET=FULL was asked for
};

struct Dsn {
  std::string recipient;  // the original envelope sender
  std::string message;    // the whole DSN, CRLF line endings; its envelope sender is the null sender
};

// Nothing when the original sender is the null sender or there is no recipient to report.
std::optional<Dsn> build_dsn(const DsnInput& input, Clock::time_point now = Clock::now());

// "Mon, 23 Nov 2026 00:41:09 +0000" (RFC 5322 §3.3), always in UTC.
std::string rfc5322_date(Clock::time_point time);

}  // namespace mta::bounce
