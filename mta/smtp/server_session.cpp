#include "mta/smtp/server_session.hpp"

#include <algorithm>
#include <chrono>

#include "mta/smtp/ascii.hpp"
#include "mta/smtp/base64.hpp"
#include "mta/smtp/message_headers.hpp"

namespace mta::smtp {
namespace {

using config::ListenerKind;

}  // namespace

ServerSession::ServerSession(const SessionConfig& config, ClientInfo client)
    : config_(config), client_(std::move(client)) {}

Reply ServerSession::greeting() const {
  // The banner names the host and the protocol only, never the software (RFC 5321 §4.3.1 allows both).
  return make_reply(220, "", config_.hostname + " ESMTP");
}

std::int64_t ServerSession::now() const {
  if (config_.now) return config_.now();
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool ServerSession::auth_offered() const {
  if (config_.kind == ListenerKind::inbound) return false;
  return client_.tls_active || (config_.plaintext_auth_on_loopback && client_.loopback);
}

bool ServerSession::untrusted_routing_allowed(const std::string& domain) const {
  const auto& allowed = config_.untrusted_routing_domains;
  return std::find(allowed.begin(), allowed.end(), domain) != allowed.end();
}

bool ServerSession::suppression_applies() const {
  switch (config_.check_suppression) {
    case config::SuppressionCheck::campaign:
      return transaction_.campaign;
    case config::SuppressionCheck::all:
      return config_.kind != ListenerKind::inbound;
    case config::SuppressionCheck::off:
      return false;
  }
  return false;
}

bool ServerSession::requires_auth() const {
  return config_.kind == ListenerKind::submission || config_.kind == ListenerKind::smtps;
}

void ServerSession::reset_transaction() {
  transaction_ = Transaction{};
  pending_.reset();
  if (state_ != SessionState::connected && state_ != SessionState::closed) state_ = SessionState::greeted;
}

Step ServerSession::ok(int code, const char* enhanced, std::string text) {
  return Step{make_reply(code, enhanced, std::move(text)), Next::read_command};
}

Step ServerSession::error_reply(Reply reply) {
  if (reply.closes()) {
    state_ = SessionState::closed;
    return Step{std::move(reply), Next::close};
  }
  if (++errors_ >= config_.limits.max_errors) return error(SmtpError::too_many_errors);
  return Step{std::move(reply), Next::read_command};
}

Step ServerSession::error(SmtpError e) {
  if (config_.on_refusal) config_.on_refusal(e);
  return error_reply(reply_for(e));
}

Step ServerSession::on_line(const LineReader::Line& line) {
  if (state_ == SessionState::closed) return Step{std::nullopt, Next::close};
  if (++commands_ > config_.limits.max_commands) return error(SmtpError::too_many_commands);
  if (state_ == SessionState::auth_plain || state_ == SessionState::auth_login_user ||
      state_ == SessionState::auth_login_password) {
    if (line.too_long) {
      state_ = SessionState::greeted;
      return error(SmtpError::line_too_long);
    }
    return auth_line(line.text);
  }
  if (line.too_long) return error(SmtpError::line_too_long);
  auto parsed = parse_command(line.text);
  if (!parsed.command) return error(parsed.error);
  return command(*parsed.command);
}

Step ServerSession::command(const Command& c) {
  switch (c.verb) {
    case Verb::http:
      state_ = SessionState::closed;
      return Step{reply_for(SmtpError::http_request), Next::close};
    case Verb::helo:
      return helo(c, false);
    case Verb::ehlo:
      return helo(c, true);
    case Verb::mail:
      return mail(c);
    case Verb::rcpt:
      return rcpt(c);
    case Verb::data:
      return data();
    case Verb::rset:
      reset_transaction();
      return ok(250, "2.0.0", "Ok");
    case Verb::noop:
      return ok(250, "2.0.0", "Ok");
    case Verb::quit:
      state_ = SessionState::closed;
      return Step{make_reply(221, "2.0.0", "Bye"), Next::close};
    case Verb::vrfy:
      return ok(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery");
    case Verb::expn:
      return error(SmtpError::not_implemented);
    case Verb::help:
      return ok(214, "2.0.0", "See RFC 5321");
    case Verb::starttls:
      return starttls();
    case Verb::auth:
      return auth(c);
    case Verb::unknown:
      break;
  }
  return error(SmtpError::syntax);
}

Step ServerSession::helo(const Command& c, bool extended) {
  reset_transaction();
  state_ = SessionState::greeted;
  extended_ = extended;
  helo_ = c.argument;
  if (!extended) return ok(250, "", config_.hostname);
  Reply reply{250,
              "",
              {config_.hostname, "PIPELINING", "SIZE " + std::to_string(config_.limits.max_message_bytes),
               "8BITMIME", "DSN", "ENHANCEDSTATUSCODES"}};
  if (config_.tls_available && !client_.tls_active) reply.lines.push_back("STARTTLS");
  if (auth_offered() && !user_) reply.lines.push_back("AUTH PLAIN LOGIN");
  reply.lines.push_back("SMTPUTF8");
  return Step{std::move(reply), Next::read_command};
}

Step ServerSession::mail(const Command& c) {
  if (state_ == SessionState::connected)
    return error_reply(make_reply(503, "5.5.1", "Error: send HELO/EHLO first"));
  if (in_transaction()) return error_reply(make_reply(503, "5.5.1", "Error: nested MAIL command"));
  if (requires_auth() && !user_)
    return error(config_.tls_available && !client_.tls_active ? SmtpError::tls_required
                                                              : SmtpError::auth_required);
  if (c.params.size && *c.params.size > config_.limits.max_message_bytes)
    return error(SmtpError::message_too_big_mail);
  if (has_non_ascii(c.path) && !c.params.smtputf8) return error(SmtpError::utf8_needs_smtputf8);
  if (user_ && !c.path.empty() && !auth::sender_allowed(*user_, c.path))
    return error(SmtpError::sender_not_allowed);
  if (client_.admit_message)
    if (auto refusal = client_.admit_message()) return error(*refusal);
  transaction_ = Transaction{};
  transaction_.sender = c.path;
  transaction_.smtputf8 = c.params.smtputf8;
  transaction_.eight_bit = c.params.eight_bit_mime;
  transaction_.ret = c.params.ret;
  transaction_.envid = c.params.envid;
  transaction_.campaign = config_.campaigns &&
                          config_.check_suppression == config::SuppressionCheck::campaign &&
                          !c.path.empty() && config_.campaigns->campaign_pool(c.path).has_value();
  state_ = SessionState::mail;
  return ok(250, "2.1.0", "Ok");
}

Step ServerSession::rcpt(const Command& c) {
  if (!in_transaction()) return error_reply(make_reply(503, "5.5.1", "Error: need MAIL command"));
  if (transaction_.recipient_count() >= config_.limits.max_recipients)
    return error(SmtpError::too_many_recipients);
  if (has_non_ascii(c.path) && !transaction_.smtputf8) return error(SmtpError::utf8_needs_smtputf8);
  // Our own unsubscribe mailboxes, on any listener and for any client: recorded here, never relayed.
  auto mailbox =
      config_.campaigns ? config_.campaigns->unsubscribe_mailbox(c.path) : UnsubscribeMailbox::not_ours;
  if (mailbox == UnsubscribeMailbox::invalid) return error(SmtpError::unsubscribe_invalid);
  if (mailbox == UnsubscribeMailbox::valid) {
    transaction_.unsubscribes.push_back(c.path);
    state_ = SessionState::rcpt;
    return ok(250, "2.1.5", "Ok");
  }
  // Our bounce domains likewise: bounces and complaints are consumed here, whoever sends them.
  if (config_.campaigns && config_.campaigns->bounce_mailbox(c.path)) {
    transaction_.bounce_mailboxes.push_back(c.path);
    state_ = SessionState::rcpt;
    return ok(250, "2.1.5", "Ok");
  }
  // RFC 5321 §4.5.1: <Postmaster> with no domain is ours to accept. It becomes the postmaster of the first
  // relay domain (whose server is behind us); left bare it would be routed to the MX of an empty domain.
  bool postmaster = iequals(c.path, "postmaster");
  if (postmaster && config_.relay_domains.empty())
    return error_reply(make_reply(550, "5.1.1", "No postmaster mailbox here: name its domain"));
  std::string domain = postmaster ? config_.relay_domains.front() : mailbox_domain(c.path);
  std::string recipient = postmaster ? "postmaster@" + domain : c.path;
  bool local = std::find(config_.relay_domains.begin(), config_.relay_domains.end(), domain) !=
               config_.relay_domains.end();
  bool may_relay = user_.has_value() || (client_.trusted && config_.kind != ListenerKind::inbound);
  if (!local && !may_relay) return error(SmtpError::relay_denied);
  if (!user_ && !client_.trusted && has_local_part_routing(c.path) && !untrusted_routing_allowed(domain))
    return error(SmtpError::untrusted_routing);
  if (local && !user_ && !client_.trusted && config_.inbound_policy) {
    if (!transaction_.inbound_domain.empty() && transaction_.inbound_domain != domain)
      return error(SmtpError::one_domain_per_transaction);
    pending_ = PendingRecipient{recipient, domain, {c.params.notify, c.params.orcpt}};
    return Step{std::nullopt, Next::check_recipient};
  }
  if (config_.campaigns && suppression_applies() && config_.campaigns->suppressed(c.path))
    return error(SmtpError::suppressed_recipient);
  transaction_.recipients.push_back(recipient);
  transaction_.recipient_dsn.push_back({c.params.notify, c.params.orcpt});
  state_ = SessionState::rcpt;
  return ok(250, "2.1.5", "Ok");
}

Step ServerSession::data() {
  if (state_ == SessionState::mail) return error_reply(make_reply(503, "5.5.1", "Error: need RCPT command"));
  if (state_ != SessionState::rcpt) return error_reply(make_reply(503, "5.5.1", "Error: need MAIL command"));
  return Step{make_reply(354, "", "End data with <CR><LF>.<CR><LF>"), Next::read_data};
}

Step ServerSession::starttls() {
  if (client_.tls_active) return error_reply(make_reply(503, "5.5.1", "Error: TLS already active"));
  if (state_ == SessionState::connected)
    return error_reply(make_reply(503, "5.5.1", "Error: send EHLO first"));
  if (in_transaction()) return error(SmtpError::bad_sequence);
  if (!config_.tls_available) return error(SmtpError::tls_unavailable);
  return Step{make_reply(220, "2.0.0", "Ready to start TLS"), Next::start_tls};
}

void ServerSession::on_tls_started(std::string description) {
  // RFC 3207 §4.2: forget everything learned before TLS; the client must EHLO again.
  client_.tls_active = true;
  client_.tls_description = std::move(description);
  transaction_ = Transaction{};
  helo_.clear();
  extended_ = false;
  state_ = SessionState::connected;
}

Step ServerSession::auth(const Command& c) {
  if (state_ == SessionState::connected)
    return error_reply(make_reply(503, "5.5.1", "Error: send EHLO first"));
  if (config_.kind == ListenerKind::inbound) return error(SmtpError::not_implemented);
  if (user_) return error_reply(make_reply(503, "5.5.1", "Error: already authenticated"));
  if (in_transaction())
    return error_reply(make_reply(503, "5.5.1", "Error: AUTH not allowed during a mail transaction"));
  if (!auth_offered()) return error(SmtpError::encryption_required);
  auto space = c.argument.find(' ');
  std::string mechanism = c.argument.substr(0, space);
  std::string initial = space == std::string::npos ? "" : c.argument.substr(space + 1);
  bool has_initial = space != std::string::npos;
  auth_ = AuthAttempt{};
  if (iequals(mechanism, "PLAIN")) {
    if (!has_initial) {
      state_ = SessionState::auth_plain;
      return Step{make_reply(334, "", ""), Next::read_command};
    }
    return plain_response(initial);
  }
  if (iequals(mechanism, "LOGIN")) {
    if (!has_initial) {
      state_ = SessionState::auth_login_user;
      return Step{make_reply(334, "", base64_encode("Username:")), Next::read_command};
    }
    state_ = SessionState::auth_login_user;
    return auth_line(initial);
  }
  return error(SmtpError::auth_unknown_mechanism);
}

Step ServerSession::plain_response(const std::string& text) {
  state_ = SessionState::greeted;
  auto decoded = text == "=" ? std::optional<std::string>("") : base64_decode(text);
  if (!decoded) return error_reply(make_reply(501, "5.5.2", "Invalid base64 in AUTH response"));
  auto first = decoded->find('\0');
  auto second = first == std::string::npos ? std::string::npos : decoded->find('\0', first + 1);
  if (second == std::string::npos)
    return error_reply(make_reply(501, "5.5.2", "Malformed AUTH PLAIN response"));
  auth_.authzid = decoded->substr(0, first);
  auth_.user = decoded->substr(first + 1, second - first - 1);
  auth_.password = decoded->substr(second + 1);
  if (!auth_.authzid.empty() && auth_.authzid != auth_.user) return error(SmtpError::auth_failed);
  return Step{std::nullopt, Next::verify_auth};
}

Step ServerSession::auth_line(const std::string& line) {
  if (line == "*") {
    state_ = SessionState::greeted;
    return error(SmtpError::auth_cancelled);
  }
  if (state_ == SessionState::auth_plain) return plain_response(line);
  auto decoded = base64_decode(line);
  if (!decoded) {
    state_ = SessionState::greeted;
    return error_reply(make_reply(501, "5.5.2", "Invalid base64 in AUTH response"));
  }
  if (state_ == SessionState::auth_login_user) {
    auth_.user = *decoded;
    state_ = SessionState::auth_login_password;
    return Step{make_reply(334, "", base64_encode("Password:")), Next::read_command};
  }
  auth_.password = *decoded;
  state_ = SessionState::greeted;
  return Step{std::nullopt, Next::verify_auth};
}

Step ServerSession::on_auth_result(std::optional<auth::User> user, bool rate_limited) {
  auth_.password.assign(auth_.password.size(), '\0');
  auth_ = AuthAttempt{};
  if (rate_limited) return error(SmtpError::auth_rate_limited);
  if (!user) return error(SmtpError::auth_failed);
  user_ = std::move(user);
  return ok(235, "2.7.0", "Authentication successful");
}

std::string ServerSession::protocol() const {
  std::string p = transaction_.smtputf8 ? "UTF8SMTP" : (extended_ ? "ESMTP" : "SMTP");
  if (client_.tls_active) p += "S";
  if (user_) p += "A";
  return p;
}

Step ServerSession::on_data(DataReader& reader) {
  Transaction& t = transaction_;
  if (auto problem = reader.problem()) {
    reset_transaction();
    return error(*problem);
  }
  std::string& body = reader.body();
  auto headers = scan_headers(body, config_.hostname);
  if (headers.received > config_.limits.max_received ||
      headers.own_received > config_.limits.max_own_received) {
    reset_transaction();
    return error(SmtpError::mail_loop);
  }
  if (user_)
    for (const auto& domain : headers.from_domains)
      if (!auth::from_domain_allowed(*user_, domain)) {
        reset_transaction();
        return error(SmtpError::from_not_allowed);
      }
  std::int64_t time = now();
  std::string added =
      received_header({helo_.empty() ? "unknown" : helo_, client_.address, config_.hostname, protocol(),
                       client_.tls_description, t.recipients.size() == 1 ? t.recipients.front() : "", time});
  if (requires_auth() || user_) {
    // RFC 6409 §8.2, §8.3: a submission server may add what the client left out.
    if (!headers.has_date) added += "Date: " + rfc5322_date(time) + "\r\n";
    if (!headers.has_message_id) added += "Message-ID: " + new_message_id(config_.hostname) + "\r\n";
  }
  t.message.reserve(added.size() + body.size());
  t.message = std::move(added);
  t.message += body;
  body.clear();
  return Step{std::nullopt, Next::store};
}

Step ServerSession::on_recipient_checked(std::optional<SmtpError> refusal, std::string text) {
  if (!pending_ || !in_transaction()) return Step{};
  PendingRecipient pending = std::move(*pending_);
  pending_.reset();
  if (refusal) {
    if (config_.on_refusal) config_.on_refusal(*refusal);
    Reply reply = text.empty() ? reply_for(*refusal) : reply_for(*refusal, std::move(text));
    // A temporary refusal (greylisting, a source that cannot answer) is the policy working, not the client
    // erring: it does not count towards max_errors, or a greylisted message with many recipients would
    // end its connection.
    if (reply.code < 500 && !reply.closes()) return Step{std::move(reply), Next::read_command};
    return error_reply(std::move(reply));
  }
  transaction_.inbound_domain = pending.domain;
  transaction_.recipients.push_back(std::move(pending.address));
  transaction_.recipient_dsn.push_back(std::move(pending.dsn));
  state_ = SessionState::rcpt;
  return ok(250, "2.1.5", "Ok");
}

Step ServerSession::on_content_refused(SmtpError refusal, std::string text) {
  reset_transaction();
  if (config_.on_refusal) config_.on_refusal(refusal);
  return error_reply(text.empty() ? reply_for(refusal) : reply_for(refusal, std::move(text)));
}

Step ServerSession::on_discarded() {
  reset_transaction();
  return ok(250, "2.0.0", "Ok");
}

Step ServerSession::on_stored(bool stored, const std::string& queue_id, SmtpError failure) {
  reset_transaction();
  if (!stored) return error(failure);
  return ok(250, "2.0.0", "Ok: queued as " + queue_id);
}

Step ServerSession::on_refused(int code, const char* enhanced, std::string text) {
  reset_transaction();
  return ok(code, enhanced, std::move(text));
}

Step ServerSession::on_unsubscribed(bool recorded) {
  reset_transaction();
  if (!recorded) return error(SmtpError::unsubscribe_failed);
  return ok(250, "2.0.0", "Ok: unsubscribed");
}

Step ServerSession::on_bounce_consumed(BounceIntake intake) {
  reset_transaction();
  if (intake == BounceIntake::failed) return error(SmtpError::bounce_failed);
  return ok(250, "2.0.0", "Ok: bounce processed");
}

Step ServerSession::on_timeout() {
  state_ = SessionState::closed;
  return Step{reply_for(SmtpError::timeout), Next::close};
}

Step ServerSession::on_shutdown() {
  state_ = SessionState::closed;
  return Step{reply_for(SmtpError::shutting_down), Next::close};
}

}  // namespace mta::smtp
