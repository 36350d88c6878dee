// reply.hpp — SMTP replies with enhanced status codes (RFC 5321 §4.2, RFC 3463), and the one table that
// maps every reason the server refuses or fails something to its reply (reply_for()) and to a stable name
// for logs and metrics (to_string()).
// format() never emits a line over 512 bytes and never lets text break the reply framing (CR/LF dropped).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mta::smtp {

struct Reply {
  int code = 250;
  std::string enhanced;            // "2.0.0"; empty for the greeting and 334 challenges
  std::vector<std::string> lines;  // at least one

  bool positive() const { return code < 400; }
  bool closes() const { return code == 221 || code == 421; }
  std::string format() const;  // "250-a\r\n250 b\r\n", each line prefixed with the enhanced code
};

Reply make_reply(int code, std::string enhanced, std::string text);

// Every refusal the session can give. reply_for() is the single place their codes and texts live.
enum class SmtpError {
  syntax,                // 500 5.5.2 unrecognized command
  syntax_argument,       // 501 5.5.4 bad arguments
  bad_sequence,          // 503 5.5.1 out of order
  line_too_long,         // 500 5.5.2 command line over the limit
  bare_lf_command,       // 500 5.5.2 (reserved: commands accept LF, DATA does not)
  nul_in_command,        // 500 5.5.2
  http_request,          // 554 5.7.0 and close
  not_implemented,       // 502 5.5.1
  parameter_unknown,     // 555 5.5.4
  bad_mailbox,           // 553 5.1.3 (or 5.1.7 for a sender)
  bad_sender,            // 553 5.1.7
  utf8_needs_smtputf8,   // 553 5.6.7
  message_too_big_mail,  // 552 5.3.4 SIZE= over the limit
  message_too_big,       // 552 5.3.4 after DATA
  too_many_recipients,   // 452 4.5.3
  relay_denied,          // 554 5.7.1 Relay access denied
  untrusted_routing,  // 554 5.7.1 %, ! or @ in an untrusted client's local part (a relay through the backend)
  auth_required,      // 530 5.7.0
  encryption_required,     // 538 5.7.11 AUTH over plain text
  tls_required,            // 530 5.7.0 STARTTLS first
  auth_failed,             // 535 5.7.8
  auth_cancelled,          // 501 5.7.0
  auth_rate_limited,       // 421 4.7.0 and close
  auth_unknown_mechanism,  // 504 5.5.4
  auth_temporary,          // 454 4.7.0
  sender_not_allowed,      // 553 5.7.1 envelope sender not the user's
  from_not_allowed,        // 550 5.7.1 From: domain not the user's
  tls_unavailable,         // 454 4.7.0
  bare_lf_data,            // 550 5.6.11 bare LF or CR in DATA (SMTP smuggling defence)
  nul_in_data,             // 550 5.6.0
  text_line_too_long,      // 550 5.6.0
  too_many_errors,         // 421 4.7.0 and close
  too_many_commands,       // 421 4.7.0 and close
  too_many_connections,    // 421 4.7.0 and close
  timeout,                 // 421 4.4.2 and close
  spool_failure,           // 451 4.3.0 message not stored
  mail_system_full,        // 452 4.3.1 message not stored: disk full or over quota (RFC 3463)
  shutting_down,           // 421 4.3.2 and close
  mail_loop,               // 554 5.4.6 too many Received fields (RFC 5321 §6.3)
  suppressed_recipient,    // 550 5.7.1 campaign mail to an address (or domain) on the suppression list
  unsubscribe_invalid,     // 550 5.1.1 unsubscribe+TOKEN@ with a forged, altered or unknown token
  unsubscribe_failed,      // 451 4.3.0 the unsubscribe could not be recorded (database busy or failing)
  bounce_failed,           // 451 4.3.0 a bounce or complaint could not be recorded (database busy or failing)
  // The inbound (cloaking) side's policy chain, docs/inbound.md:
  client_blocklisted,      // 554 5.7.1 at connect: the client's IP is on a DNSBL (the text names it) and close
  client_connection_rate,  // 421 4.7.0 at connect: too many new connections per minute from the client
  client_message_rate,     // 451 4.7.1 at MAIL: too many messages per minute from the client
  client_byte_rate,        // 451 4.7.1 at end of DATA: the client was over its byte budget for a minute
  unknown_recipient,       // 550 5.1.1 not a valid recipient of the relay domain (list or probe)
  recipient_unverified,    // 451 4.4.3 the recipient source cannot answer now (backend down, database failing)
  greylisted,              // 451 4.7.1 greylisting: first attempt of a triplet (the text says when to retry)
  one_domain_per_transaction,  // 452 4.5.3 relay domains with different policies in one transaction
  virus_found,             // 550 5.7.1 clamd found a virus (the text names it)
  spam_rejected,           // 550 5.7.1 spam at a level whose action is reject
  dmarc_rejected,          // 550 5.7.1 DMARC failure from a domain with p=reject (dmarc_reject on)
  scanner_unavailable,     // 451 4.7.1 a scanner is down or too slow
};
inline constexpr std::size_t kSmtpErrorCount = static_cast<std::size_t>(SmtpError::scanner_unavailable) + 1;

Reply reply_for(SmtpError error);
// The error's code and enhanced code with another text (e.g. naming the blocklist or the virus).
Reply reply_for(SmtpError error, std::string text);
const char* to_string(SmtpError error);  // "relay_denied": a stable name for logs and metrics labels

}  // namespace mta::smtp
