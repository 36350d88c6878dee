#include "mta/smtp/reply.hpp"

#include <iterator>

namespace mta::smtp {
namespace {

std::string clean(std::string_view text) {
  std::string out;
  for (char c : text)
    if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
  if (out.size() > 400) out.resize(400);
  return out;
}

}  // namespace

std::string Reply::format() const {
  std::string out;
  auto code_text = std::to_string(code);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += code_text;
    out += i + 1 < lines.size() ? '-' : ' ';
    if (!enhanced.empty()) out += enhanced + ' ';
    out += clean(lines[i]);
    out += "\r\n";
  }
  if (lines.empty()) out = code_text + (enhanced.empty() ? "" : " " + enhanced) + "\r\n";
  return out;
}

Reply make_reply(int code, std::string enhanced, std::string text) {
  return Reply{code, std::move(enhanced), {std::move(text)}};
}

namespace {

struct ReplyEntry {
  SmtpError error;
  const char* name;  // the metrics label
  int code;
  const char* enhanced;
  const char* text;
};

// One row per SmtpError, in the enum's order.
constexpr ReplyEntry kReplies[] = {
    {SmtpError::syntax, "syntax", 500, "5.5.2", "Error: command not recognized"},
    {SmtpError::syntax_argument, "syntax_argument", 501, "5.5.4", "Syntax error in parameters or arguments"},
    {SmtpError::bad_sequence, "bad_sequence", 503, "5.5.1", "Error: bad sequence of commands"},
    {SmtpError::line_too_long, "line_too_long", 500, "5.5.2", "Error: command line too long"},
    {SmtpError::bare_lf_command, "bare_lf_command", 500, "5.5.2", "Error: bare LF; end lines with CRLF"},
    {SmtpError::nul_in_command, "nul_in_command", 500, "5.5.2", "Error: NUL byte in command"},
    {SmtpError::http_request, "http_request", 554, "5.7.0",
     "This is an SMTP server, not an HTTP server; closing"},
    {SmtpError::not_implemented, "not_implemented", 502, "5.5.1", "Error: command not implemented"},
    {SmtpError::parameter_unknown, "parameter_unknown", 555, "5.5.4",
     "Unsupported MAIL FROM or RCPT TO parameter"},
    {SmtpError::bad_mailbox, "bad_mailbox", 553, "5.1.3", "Bad recipient address syntax"},
    {SmtpError::bad_sender, "bad_sender", 553, "5.1.7", "Bad sender address syntax"},
    {SmtpError::utf8_needs_smtputf8, "utf8_needs_smtputf8", 553, "5.6.7",
     "Non-ASCII address needs the SMTPUTF8 parameter on MAIL FROM"},
    {SmtpError::message_too_big_mail, "message_too_big_mail", 552, "5.3.4",
     "Message size exceeds fixed maximum message size"},
    {SmtpError::message_too_big, "message_too_big", 552, "5.3.4",
     "Message size exceeds fixed maximum message size"},
    {SmtpError::too_many_recipients, "too_many_recipients", 452, "4.5.3", "Too many recipients"},
    {SmtpError::relay_denied, "relay_denied", 554, "5.7.1", "Relay access denied"},
    {SmtpError::untrusted_routing, "untrusted_routing", 554, "5.7.1",
     "Relay access denied: routing in the local part (%, ! or @) is not accepted"},
    {SmtpError::auth_required, "auth_required", 530, "5.7.0", "Authentication required"},
    {SmtpError::encryption_required, "encryption_required", 538, "5.7.11",
     "Encryption required for requested authentication mechanism"},
    {SmtpError::tls_required, "tls_required", 530, "5.7.0", "Must issue a STARTTLS command first"},
    {SmtpError::auth_failed, "auth_failed", 535, "5.7.8", "Authentication credentials invalid"},
    {SmtpError::auth_cancelled, "auth_cancelled", 501, "5.7.0", "Authentication cancelled"},
    {SmtpError::auth_rate_limited, "auth_rate_limited", 421, "4.7.0",
     "Too many failed authentications from your address; try again later"},
    {SmtpError::auth_unknown_mechanism, "auth_unknown_mechanism", 504, "5.5.4",
     "Unrecognized authentication mechanism"},
    {SmtpError::auth_temporary, "auth_temporary", 454, "4.7.0", "Temporary authentication failure"},
    {SmtpError::sender_not_allowed, "sender_not_allowed", 553, "5.7.1",
     "Sender address not allowed for this user"},
    {SmtpError::from_not_allowed, "from_not_allowed", 550, "5.7.1",
     "From: header domain not allowed for this user"},
    {SmtpError::tls_unavailable, "tls_unavailable", 454, "4.7.0", "TLS not available"},
    {SmtpError::bare_lf_data, "bare_lf_data", 550, "5.6.11",
     "Message contains bare LF or CR; end lines with CRLF"},
    {SmtpError::nul_in_data, "nul_in_data", 550, "5.6.0", "Message contains NUL bytes"},
    {SmtpError::text_line_too_long, "text_line_too_long", 550, "5.6.0",
     "Message has a line longer than 1000 bytes (RFC 5321 4.5.3.1.6)"},
    {SmtpError::too_many_errors, "too_many_errors", 421, "4.7.0", "Too many errors; closing connection"},
    {SmtpError::too_many_commands, "too_many_commands", 421, "4.7.0",
     "Too many commands; closing connection"},
    {SmtpError::too_many_connections, "too_many_connections", 421, "4.7.0",
     "Too many connections; try again later"},
    {SmtpError::timeout, "timeout", 421, "4.4.2", "Timeout exceeded; closing connection"},
    {SmtpError::spool_failure, "spool_failure", 451, "4.3.0",
     "Message not stored: local error in processing; try again later"},
    {SmtpError::mail_system_full, "mail_system_full", 452, "4.3.1",
     "Mail system full: message not stored; try again later"},
    {SmtpError::shutting_down, "shutting_down", 421, "4.3.2", "Service shutting down; try again later"},
    {SmtpError::mail_loop, "mail_loop", 554, "5.4.6", "Too many hops: mail loop detected"},
    {SmtpError::suppressed_recipient, "suppressed_recipient", 550, "5.7.1",
     "Recipient is on the suppression list (unsubscribed, bounced or complained); campaign mail not sent"},
    {SmtpError::unsubscribe_invalid, "unsubscribe_invalid", 550, "5.1.1",
     "Unsubscribe address not valid: its token is altered, forged or unknown; use the link in the message"},
    {SmtpError::unsubscribe_failed, "unsubscribe_failed", 451, "4.3.0",
     "Unsubscribe not recorded: local error in processing; try again later"},
    {SmtpError::bounce_failed, "bounce_failed", 451, "4.3.0",
     "Bounce not recorded: local error in processing; try again later"},
    {SmtpError::client_blocklisted, "client_blocklisted", 554, "5.7.1",
     "Service unavailable: your address is on a blocklist"},
    {SmtpError::client_connection_rate, "client_connection_rate", 421, "4.7.0",
     "Too many connections per minute from your address; try again later"},
    {SmtpError::client_message_rate, "client_message_rate", 451, "4.7.1",
     "Too many messages per minute from your address; try again later"},
    {SmtpError::client_byte_rate, "client_byte_rate", 451, "4.7.1",
     "Too much data per second from your address; try again later"},
    {SmtpError::unknown_recipient, "unknown_recipient", 550, "5.1.1",
     "Recipient address rejected: user unknown"},
    {SmtpError::recipient_unverified, "recipient_unverified", 451, "4.4.3",
     "Recipient address cannot be verified now; try again later"},
    {SmtpError::greylisted, "greylisted", 451, "4.7.1", "Greylisted; try again later"},
    {SmtpError::one_domain_per_transaction, "one_domain_per_transaction", 452, "4.5.3",
     "Too many recipients: send this recipient in another transaction"},
    {SmtpError::virus_found, "virus_found", 550, "5.7.1", "Message refused: it contains a virus"},
    {SmtpError::spam_rejected, "spam_rejected", 550, "5.7.1", "Message refused as spam"},
    {SmtpError::dmarc_rejected, "dmarc_rejected", 550, "5.7.1",
     "Message refused: it fails DMARC and its From domain's policy is reject"},
    {SmtpError::scanner_unavailable, "scanner_unavailable", 451, "4.7.1",
     "Message not accepted now: content scanning is unavailable; try again later"},
};

constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < std::size(kReplies); ++i)
    if (static_cast<std::size_t>(kReplies[i].error) != i) return false;
  return std::size(kReplies) == kSmtpErrorCount;
}
static_assert(in_enum_order(), "kReplies needs one row per SmtpError, in the enum's order");

}  // namespace

Reply reply_for(SmtpError error) {
  const ReplyEntry& e = kReplies[static_cast<std::size_t>(error)];
  return make_reply(e.code, e.enhanced, e.text);
}

Reply reply_for(SmtpError error, std::string text) {
  const ReplyEntry& e = kReplies[static_cast<std::size_t>(error)];
  return make_reply(e.code, e.enhanced, std::move(text));
}

const char* to_string(SmtpError error) {
  return kReplies[static_cast<std::size_t>(error)].name;
}

}  // namespace mta::smtp
