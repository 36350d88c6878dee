// command_parser.hpp — parses one SMTP command line (CRLF already removed) into a Command: the verb, and
// for MAIL/RCPT the path (RFC 5321 §4.1.2 syntax, source routes dropped) and ESMTP parameters
// (SIZE, BODY=7BIT|8BITMIME, SMTPUTF8, AUTH=; RFC 3461's RET, ENVID, NOTIFY, ORCPT). Pure: no I/O, no policy;
// the session decides what is allowed. Untrusted input: the whole line. Every failure is a value (an
// SmtpError), never an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mta/smtp/dsn_params.hpp"
#include "mta/smtp/reply.hpp"

namespace mta::smtp {

enum class Verb {
  helo,
  ehlo,
  mail,
  rcpt,
  data,
  rset,
  noop,
  quit,
  vrfy,
  expn,
  help,
  starttls,
  auth,
  http,
  unknown
};

struct MailParameters {
  std::optional<std::uint64_t> size;
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  // RFC 3461: MAIL's RET and ENVID (decoded), RCPT's NOTIFY (DsnNotify bits, 0: not given) and ORCPT.
  DsnReturn ret = DsnReturn::unset;
  std::optional<std::string> envid;
  std::uint8_t notify = 0;
  std::optional<std::string> orcpt;  // "addr-type;address", decoded
};

struct Command {
  Verb verb = Verb::unknown;
  std::string argument;  // HELO/EHLO domain, AUTH mechanism and initial response, VRFY text
  std::string path;      // MAIL/RCPT mailbox, "" for the null reverse-path <>
  MailParameters params;
};

struct ParseResult {
  std::optional<Command> command;
  SmtpError error = SmtpError::syntax;  // when no command
};

ParseResult parse_command(std::string_view line);

// RFC 5321 Mailbox (local-part@domain, domain a name or an address literal). utf8: allow non-ASCII
// (RFC 6531). Returns false for anything else.
bool is_valid_mailbox(std::string_view mailbox, bool utf8);
bool has_non_ascii(std::string_view text);
// The domain part of a mailbox, lower-cased (ASCII only).
std::string mailbox_domain(std::string_view mailbox);
// True when the local part asks the next hop to route the mail on: "%" (user%host), "!" (host!user) or an
// "@" inside a quoted local part ("user@host"@domain). Source routes (<@a:b@c>) never reach here.
bool has_local_part_routing(std::string_view mailbox);

}  // namespace mta::smtp
