// dsn_params.hpp — the SMTP extension for delivery status notifications (RFC 3461): what a sender asks
// for with MAIL's RET and ENVID and RCPT's NOTIFY and ORCPT, kept with the message in the spool and passed
// on to the next server when it offers DSN. ENVID and ORCPT travel as xtext (§4); they are kept decoded.
// Pure: no I/O. Untrusted input: the parameter values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mta::smtp {

// NOTIFY (RFC 3461 §4.1), as bits; 0 means the parameter was not given (then failures and, at our choice,
// delays are reported; successes are not).
enum DsnNotify : std::uint8_t { notify_never = 1, notify_success = 2, notify_failure = 4, notify_delay = 8 };

// RET (§4.3): return the full message or only its headers in a failure DSN; unset means the headers.
enum class DsnReturn : std::uint8_t { unset = 0, full = 1, headers = 2 };

// Whether a DSN of this kind goes to the sender for a recipient with these NOTIFY bits.
bool wants_failure(std::uint8_t notify);
bool wants_delay(std::uint8_t notify);
bool wants_success(std::uint8_t notify);

// NOTIFY's value: "NEVER" or a comma list of SUCCESS, FAILURE, DELAY (case-insensitive, no repeats).
std::optional<std::uint8_t> parse_notify(std::string_view value);
std::string format_notify(std::uint8_t notify);  // for passing on; "" for 0

// xtext (§4): printable ASCII except "+" and "=", which with anything else is written "+HH". decode
// refuses malformed text and anything that decodes to a control character or a non-ASCII octet.
std::optional<std::string> xtext_decode(std::string_view text);
std::string xtext_encode(std::string_view text);

// ORCPT's value, "addr-type;xtext" (§4.2): the address type (an atom, e.g. rfc822) and the decoded
// address, joined as "rfc822;jane@example.org" (the form of the DSN's Original-Recipient field).
std::optional<std::string> parse_orcpt(std::string_view value);
std::string format_orcpt(std::string_view orcpt);  // back to "addr-type;xtext"

}  // namespace mta::smtp
