// message_headers.hpp — what the server reads from and adds to a message's header section: whether
// Message-ID and Date are present (RFC 6409 §8 lets submission add them), the From: address domains (for
// per-user From checks), how many Received fields it has and how many of them we added (mail loops, RFC
// 5321 §6.3), and the header lines we add (Received, RFC 5321 §4.4; Date; Message-ID).
// Untrusted input: the message; scanning stops at the first empty line and tolerates malformed headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mta::smtp {

struct HeaderSummary {
  bool has_message_id = false;
  bool has_date = false;
  std::vector<std::string> from_domains;  // lower-cased domains of the From: addresses
  unsigned received = 0;                  // Received fields
  unsigned own_received = 0;              // ... whose "by" clause names own_hostname
};

HeaderSummary scan_headers(std::string_view message, std::string_view own_hostname = {});

// The host a Received field's value names in its "by" clause (comments skipped), or empty.
std::string received_by(std::string_view value);

// "Mon, 23 Nov 2026 00:30:00 +0000" (RFC 5322 §3.3), in UTC.
std::string rfc5322_date(std::int64_t unix_seconds);
// "<random hex@hostname>".
std::string new_message_id(std::string_view hostname);

struct ReceivedInfo {
  std::string helo;
  std::string client_address;
  std::string hostname;   // ours
  std::string protocol;   // ESMTP, ESMTPS, ESMTPA, ESMTPSA, SMTP, UTF8SMTPS ... (RFC 3848, RFC 6531)
  std::string tls;        // "TLSv1.3 TLS_AES_256_GCM_SHA384", or empty
  std::string recipient;  // the one recipient, or empty when several
  std::int64_t time = 0;
};
std::string received_header(const ReceivedInfo& info);  // folded, ending in CRLF

}  // namespace mta::smtp
