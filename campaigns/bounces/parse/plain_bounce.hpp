// plain_bounce.hpp — failed recipients found in the human-readable text of bounces that carry no
// delivery-status part (qmail, Exim, Sendmail, Postfix, Exchange, Gmail, Yahoo, Courier, Lotus Notes,
// GroupWise, ...). Which texts are bounces, where their list of failed recipients begins and where the
// returned message starts are data (a table of markers in plain_bounce.cpp); one scanner extracts each
// address and the reply line beside it. Errors: none; no match gives an empty result. Bounded: the
// text scanned, the recipients and every value are capped. Untrusted input: all of it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/bounces/parse/dsn_report.hpp"
#include "campaigns/bounces/parse/fields.hpp"

namespace campaigns {

struct PlainBounceInput {
  std::string_view text;               // the human-readable parts, decoded, joined
  std::string_view subject;            // decoded
  std::string_view from;               // the bounce's From field
  std::vector<std::string> exclude;    // addresses that are not failed recipients (the envelope recipient)
  std::string_view failed_recipients;  // X-Failed-Recipients (Exim, Gmail): used when the text names none
  std::string_view original_to;        // the returned message's To (MIME part), the last resort
};

struct PlainBounce {
  std::string pattern;  // the table entry that matched ("qmail", "exim", ...); empty: not a bounce text
  std::vector<BounceRecipient> recipients;
  std::vector<HeaderField> returned_header;  // the returned message's header, when the text holds it
};

struct PlainBounceLimits {
  std::size_t max_text_bytes = 256 * 1024;
  std::size_t max_recipients = 1000;
  std::size_t max_field_length = 1000;
};

PlainBounce find_plain_bounce(const PlainBounceInput& input, const PlainBounceLimits& limits);

// Whether From and Subject say that the message is a delivery failure report (MAILER-DAEMON,
// postmaster, "Undelivered Mail Returned to Sender", "failure notice", ...).
bool looks_like_bounce_header(std::string_view from, std::string_view subject);

}  // namespace campaigns
