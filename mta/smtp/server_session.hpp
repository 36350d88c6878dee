// server_session.hpp — one SMTP server session as an explicit state machine, with no sockets: the server
// feeds it command lines and events (TLS started, AUTH verified, DATA read, message stored) and does what
// each Step says (reply, read data, start TLS, verify credentials, store, close). Every command is checked
// in order — sequence, then policy (AUTH, relay), then limits, then syntax — before it proceeds.
// Untrusted input: every line. Failures are replies from reply_for(); the session never throws on input.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mta/auth/user_store.hpp"
#include "mta/config/config.hpp"
#include "mta/smtp/campaign_hooks.hpp"
#include "mta/smtp/command_parser.hpp"
#include "mta/smtp/data_reader.hpp"
#include "mta/smtp/line_reader.hpp"
#include "mta/smtp/reply.hpp"
#include "mta/smtp/session_limits.hpp"

namespace mta::smtp {

enum class SessionState {
  connected,
  greeted,
  mail,
  rcpt,
  auth_plain,
  auth_login_user,
  auth_login_password,
  closed
};

// Fixed for a listener: what it is and the policy it applies.
struct SessionConfig {
  config::ListenerKind kind = config::ListenerKind::relay;
  std::string hostname = "localhost";
  SessionLimits limits;
  bool tls_available = false;               // a certificate is loaded (STARTTLS can be offered)
  bool plaintext_auth_on_loopback = false;  // offer AUTH without TLS to loopback clients
  std::vector<std::string> relay_domains;   // recipients accepted from anyone (lower-case)
  // Relay domains whose backend may be given %, ! or quoted-@ local parts by untrusted clients.
  std::vector<std::string> untrusted_routing_domains;
  // The inbound side's policy chain (mta/inbound/inbound_policy.hpp): a recipient at a relay domain from a
  // client neither authenticated nor trusted is checked (Next::check_recipient) and the message scanned
  // before it is stored, on whichever listener it arrives. Set when the daemon has the chain.
  bool inbound_policy = false;
  std::function<std::int64_t()> now;          // unix seconds; default: the system clock
  std::function<void(SmtpError)> on_refusal;  // told of every refusal from the table (metrics)
  // Campaigns: unsubscribe mailboxes accepted on every listener, the suppression list checked at RCPT
  // for the mail check_suppression names. Null: no campaign hooks (tests, no database).
  std::shared_ptr<CampaignHooks> campaigns;
  config::SuppressionCheck check_suppression = config::SuppressionCheck::campaign;
};

struct ClientInfo {
  std::string address;
  bool trusted = false;  // in server.trusted_networks
  bool loopback = false;
  bool tls_active = false;      // true from the start on smtps
  std::string tls_description;  // "TLSv1.3 TLS_AES_256_GCM_SHA384" once TLS is up
  // Asked at MAIL (the inbound side's per-client message rate): a refusal, or nothing. Null: no limit.
  std::function<std::optional<SmtpError>()> admit_message;
};

// check_recipient: the server runs the inbound policy for pending_recipient() and calls on_recipient_checked.
enum class Next { read_command, read_data, start_tls, verify_auth, check_recipient, store, close };

struct Step {
  std::optional<Reply> reply;
  Next next = Next::read_command;
};

struct AuthAttempt {
  std::string authzid;
  std::string user;
  std::string password;
};

struct Transaction {
  std::string sender;
  bool smtputf8 = false;
  bool eight_bit = false;
  DsnReturn ret = DsnReturn::unset;  // RFC 3461 RET and ENVID
  std::optional<std::string> envid;
  std::vector<std::string> recipients;
  struct RecipientDsn {
    std::uint8_t notify = 0;  // DsnNotify bits; 0: not given
    std::optional<std::string> orcpt;
  };
  std::vector<RecipientDsn> recipient_dsn;  // NOTIFY and ORCPT, one per recipient (same order)
  std::string message;                      // after DATA: the message with our headers, ready to store
  bool campaign = false;                    // MAIL FROM is a valid VERP return path of a known campaign
  // Recipients that are our unsubscribe mailboxes: recorded after DATA, never stored or forwarded.
  std::vector<std::string> unsubscribes;
  // Recipients at our bounce domains: the message is parsed and recorded after DATA, never stored.
  std::vector<std::string> bounce_mailboxes;
  // The relay domain whose inbound policy (spam, virus, authentication) applies to the message; empty: none.
  // One per transaction: a recipient at another relay domain is told to come back in another one.
  std::string inbound_domain;
  // Recipients of every kind, for the max_recipients limit.
  std::size_t recipient_count() const { return recipients.size() + unsubscribes.size() + bounce_mailboxes.size(); }
};

// A recipient at a relay domain waiting for the inbound policy's verdict (Next::check_recipient).
struct PendingRecipient {
  std::string address;
  std::string domain;  // canonical
  Transaction::RecipientDsn dsn;
};

class ServerSession {
 public:
  ServerSession(const SessionConfig& config, ClientInfo client);

  Reply greeting() const;
  Step on_line(const LineReader::Line& line);
  void on_tls_started(std::string description);
  Step on_auth_result(std::optional<auth::User> user, bool rate_limited);
  Step on_data(DataReader& reader);  // the final dot was read
  // failure: the refusal when the message could not be stored (spool_failure, mail_system_full).
  Step on_stored(bool ok, const std::string& queue_id, SmtpError failure = SmtpError::spool_failure);
  // The message was read but is refused for its content (e.g. it cannot be DKIM-signed): the transaction
  // ends with that reply, the session goes on.
  Step on_refused(int code, const char* enhanced, std::string text);
  // The transaction's unsubscribe mailboxes were recorded (ok) or not; called when it has no other
  // recipients to store, or when recording failed (the whole message is then refused with 451).
  Step on_unsubscribed(bool ok);
  // The message to the transaction's bounce mailboxes was consumed (or could not be recorded: failed);
  // called when it has no other recipients to store, or when recording failed (451 for the whole message).
  Step on_bounce_consumed(BounceIntake intake);
  // The inbound policy's verdict on pending_recipient(): accepted (nullopt) or refused with the error's code
  // (text: its own, or "" for the table's).
  Step on_recipient_checked(std::optional<SmtpError> refusal, std::string text = "");
  // The message was read but the inbound policy refuses it (virus, spam, DMARC, scanner down): the
  // transaction ends with the error's reply (text as above), the session goes on.
  Step on_content_refused(SmtpError refusal, std::string text = "");
  // The inbound policy discards the message (a spam level's action): accepted, never stored.
  Step on_discarded();
  Step on_timeout();
  Step on_shutdown();

  SessionState state() const { return state_; }
  const AuthAttempt& auth_attempt() const { return auth_; }
  const std::optional<PendingRecipient>& pending_recipient() const { return pending_; }
  const Transaction& transaction() const { return transaction_; }
  Transaction& transaction() { return transaction_; }
  const std::optional<auth::User>& user() const { return user_; }
  const ClientInfo& client() const { return client_; }
  const std::string& helo() const { return helo_; }
  bool auth_offered() const;

 private:
  Step command(const Command& command);
  Step helo(const Command& command, bool extended);
  Step mail(const Command& command);
  Step rcpt(const Command& command);
  Step data();
  Step starttls();
  Step auth(const Command& command);
  Step auth_line(const std::string& line);
  Step plain_response(const std::string& text);
  Step error(SmtpError e);
  Step error_reply(Reply reply);
  Step ok(int code, const char* enhanced, std::string text);
  bool in_transaction() const { return state_ == SessionState::mail || state_ == SessionState::rcpt; }
  bool requires_auth() const;
  bool untrusted_routing_allowed(const std::string& domain) const;
  bool suppression_applies() const;
  void reset_transaction();
  std::string protocol() const;
  std::int64_t now() const;

  const SessionConfig& config_;
  ClientInfo client_;
  SessionState state_ = SessionState::connected;
  bool extended_ = false;
  std::string helo_;
  std::optional<auth::User> user_;
  AuthAttempt auth_;
  Transaction transaction_;
  std::optional<PendingRecipient> pending_;
  unsigned errors_ = 0;
  unsigned commands_ = 0;
};

}  // namespace mta::smtp
