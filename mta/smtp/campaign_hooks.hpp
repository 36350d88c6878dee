// campaign_hooks.hpp — what the SMTP sessions and the delivery engine ask of campaigns. Campaigns live in
// relay_campaigns, which links relay_mta (never the reverse), so relay_mta holds only this interface; the
// implementation is campaigns/daemon/campaign_directory.hpp, handed to the daemon by cli/serve_command.cpp.
// Implementations never throw: a database that fails or is busy answers "not campaign mail", "not
// suppressed" or "not recorded" (the caller falls back), and counts and logs the failure.
// Untrusted input: every address passed in (envelope senders and recipients, any bytes).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mta::smtp {

enum class UnsubscribeMailbox {
  not_ours,  // not an unsubscribe mailbox of any campaign
  valid,     // unsubscribe+TOKEN@domain with a valid token naming a recipient we know
  invalid,   // at an unsubscribe mailbox, but the token is forged, altered or names nobody we know
};

// A message to our bounce mailboxes, read to its end: a bounce (DSN or plain text), a complaint (ARF), an
// auto-reply or anything else sent there.
struct BounceMail {
  std::string_view client;                  // the client's IP address
  std::string_view sender;                  // MAIL FROM (usually the null sender)
  std::span<const std::string> recipients;  // the transaction's recipients at bounce domains
  std::string_view message;                 // the message as received (our Received header first)
};

enum class BounceIntake {
  recorded,  // its outcomes were recorded (or were already: the same bounce twice)
  ignored,   // nothing to record: an auto-reply, an unknown message, a forged token (counted as such)
  failed,    // it could not be recorded now (the database is busy or failing): the client should retry
};

class CampaignHooks {
 public:
  virtual ~CampaignHooks() = default;
  // The pool of the campaign whose VERP return path this sender is ("" when the campaign names none);
  // nullopt when it is not a valid token of a known campaign. Fast: cached, no I/O for ordinary senders.
  virtual std::optional<std::string> campaign_pool(std::string_view sender) = 0;
  // The recipient (or its domain) is on the suppression list. One indexed SQLite read.
  virtual bool suppressed(std::string_view recipient) = 0;
  virtual UnsubscribeMailbox unsubscribe_mailbox(std::string_view recipient) = 0;
  // Suppresses the recipient an unsubscribe mailbox names (reason unsubscribe); true when recorded (or
  // already there). Writes to SQLite: call it off the I/O threads.
  virtual bool unsubscribe_by_mail(std::string_view recipient) = 0;
  // The recipient is at one of our bounce domains ([bounces] domains, and the domain of every campaign's
  // bounce address): its mail is consumed — parsed and recorded — and never queued or forwarded, from any
  // client on any listener. Fast: cached, no I/O.
  virtual bool bounce_mailbox(std::string_view recipient) = 0;
  // Parses and records one message to bounce mailboxes. Reads and writes SQLite: call it off the I/O threads.
  virtual BounceIntake consume_bounce(const BounceMail& mail) = 0;
};

}  // namespace mta::smtp
