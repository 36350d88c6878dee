#include "mta/smtp/reply.hpp"

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

Reply reply_for(SmtpError error) {
  switch (error) {
    case SmtpError::syntax:
      return make_reply(500, "5.5.2", "Error: command not recognized");
    case SmtpError::syntax_argument:
      return make_reply(501, "5.5.4", "Syntax error in parameters or arguments");
    case SmtpError::bad_sequence:
      return make_reply(503, "5.5.1", "Error: bad sequence of commands");
    case SmtpError::line_too_long:
      return make_reply(500, "5.5.2", "Error: command line too long");
    case SmtpError::bare_lf_command:
      return make_reply(500, "5.5.2", "Error: bare LF; end lines with CRLF");
    case SmtpError::nul_in_command:
      return make_reply(500, "5.5.2", "Error: NUL byte in command");
    case SmtpError::http_request:
      return make_reply(554, "5.7.0", "This is an SMTP server, not an HTTP server; closing");
    case SmtpError::not_implemented:
      return make_reply(502, "5.5.1", "Error: command not implemented");
    case SmtpError::parameter_unknown:
      return make_reply(555, "5.5.4", "Unsupported MAIL FROM or RCPT TO parameter");
    case SmtpError::bad_mailbox:
      return make_reply(553, "5.1.3", "Bad recipient address syntax");
    case SmtpError::bad_sender:
      return make_reply(553, "5.1.7", "Bad sender address syntax");
    case SmtpError::utf8_needs_smtputf8:
      return make_reply(553, "5.6.7", "Non-ASCII address needs the SMTPUTF8 parameter on MAIL FROM");
    case SmtpError::message_too_big_mail:
    case SmtpError::message_too_big:
      return make_reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    case SmtpError::too_many_recipients:
      return make_reply(452, "4.5.3", "Too many recipients");
    case SmtpError::relay_denied:
      return make_reply(554, "5.7.1", "Relay access denied");
    case SmtpError::auth_required:
      return make_reply(530, "5.7.0", "Authentication required");
    case SmtpError::encryption_required:
      return make_reply(538, "5.7.11", "Encryption required for requested authentication mechanism");
    case SmtpError::tls_required:
      return make_reply(530, "5.7.0", "Must issue a STARTTLS command first");
    case SmtpError::auth_failed:
      return make_reply(535, "5.7.8", "Authentication credentials invalid");
    case SmtpError::auth_cancelled:
      return make_reply(501, "5.7.0", "Authentication cancelled");
    case SmtpError::auth_rate_limited:
      return make_reply(421, "4.7.0", "Too many failed authentications from your address; try again later");
    case SmtpError::auth_unknown_mechanism:
      return make_reply(504, "5.5.4", "Unrecognized authentication mechanism");
    case SmtpError::auth_temporary:
      return make_reply(454, "4.7.0", "Temporary authentication failure");
    case SmtpError::sender_not_allowed:
      return make_reply(553, "5.7.1", "Sender address not allowed for this user");
    case SmtpError::from_not_allowed:
      return make_reply(550, "5.7.1", "From: header domain not allowed for this user");
    case SmtpError::tls_unavailable:
      return make_reply(454, "4.7.0", "TLS not available");
    case SmtpError::bare_lf_data:
      return make_reply(550, "5.6.11", "Message contains bare LF or CR; end lines with CRLF");
    case SmtpError::nul_in_data:
      return make_reply(550, "5.6.0", "Message contains NUL bytes");
    case SmtpError::text_line_too_long:
      return make_reply(550, "5.6.0", "Message has a line longer than 1000 bytes (RFC 5321 4.5.3.1.6)");
    case SmtpError::too_many_errors:
      return make_reply(421, "4.7.0", "Too many errors; closing connection");
    case SmtpError::too_many_commands:
      return make_reply(421, "4.7.0", "Too many commands; closing connection");
    case SmtpError::too_many_connections:
      return make_reply(421, "4.7.0", "Too many connections; try again later");
    case SmtpError::timeout:
      return make_reply(421, "4.4.2", "Timeout exceeded; closing connection");
    case SmtpError::spool_failure:
      return make_reply(451, "4.3.0", "Message not stored: local error in processing; try again later");
    case SmtpError::shutting_down:
      return make_reply(421, "4.3.2", "Service shutting down; try again later");
  }
  return make_reply(451, "4.3.0", "Local error");
}

}  // namespace mta::smtp
