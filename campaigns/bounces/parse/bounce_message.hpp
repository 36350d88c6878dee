// bounce_message.hpp — what relayctl makes of one message received at the bounce domain: its kind (an
// RFC 3464 DSN, an RFC 5965 ARF complaint, a plain-text bounce, an automatic reply, or unknown), the
// recipients it reports with action, status and diagnostic, the complaint's fields, the returned
// original's header and Message-ID, and the addresses that may carry the VERP token. Classification of
// the diagnostics is the caller's (bounces/classify). Errors: never thrown; problems (each a sentence)
// say what was malformed or cut. Bounded by BounceParseLimits. Untrusted input: the whole message.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/bounces/parse/arf_report.hpp"
#include "campaigns/bounces/parse/dsn_report.hpp"
#include "campaigns/bounces/parse/fields.hpp"

namespace campaigns {

enum class BounceKind { dsn, arf, plain_bounce, auto_reply, unknown };
std::string_view to_string(BounceKind kind);  // "dsn", "arf", "plain-bounce", "auto-reply", "unknown"

struct BounceParseLimits {
  std::size_t max_message_bytes = 10 * 1024 * 1024;  // longer messages are cut, with a problem
  std::size_t max_mime_depth = 8;
  std::size_t max_parts = 100;
  std::size_t max_recipients = 1000;
  std::size_t max_field_length = 1000;
  std::size_t max_text_scan = 256 * 1024;  // human-readable text searched for a plain bounce
};

struct ParsedBounce {
  BounceKind kind = BounceKind::unknown;
  std::string
      detail;     // how it was recognised: "delivery-status", the bounce text's pattern, the auto-reply sign
  DsnFields dsn;  // per-message DSN fields (kind dsn)
  std::vector<BounceRecipient> recipients;  // dsn: every per-recipient group; plain-bounce: the failed ones
  std::optional<ArfReport> arf;             // kind arf
  std::vector<HeaderField>
      original_header;  // the returned message's header (message/rfc822 or rfc822-headers)
  std::string original_message_id;
  std::string original_return_path;  // without <>
  std::string message_id;            // the bounce's own
  std::string subject;
  std::string from;
  // Where the VERP token may be, in priority order, without repeats: the envelope recipient, the ARF
  // Original-Mail-From, the returned Return-Path.
  std::vector<std::string> token_candidates;
  std::vector<std::string> problems;
  bool truncated = false;  // the input was cut at a limit
};

ParsedBounce parse_bounce_message(std::string_view message, std::string_view envelope_recipient = {},
                                  const BounceParseLimits& limits = {});

}  // namespace campaigns
