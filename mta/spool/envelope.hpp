// envelope.hpp — what the spool keeps about a message besides its bytes: the SMTP envelope, where the
// message came from, and each recipient's delivery state (status, attempts, next attempt, route).
// One message, many per-recipient states: delivery updates one recipient without rewriting the message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mta::spool {

enum class RecipientStatus : std::uint8_t { pending = 0, delivered = 1, failed = 2 };
enum class RouteKind : std::uint8_t { mx = 0, backend = 1 };

std::string_view to_string(RecipientStatus status);
std::string_view to_string(RouteKind kind);

// deliver-to-MX, or forward to a backend (target: its name or HOST:PORT) on the inbound side.
struct Route {
  RouteKind kind = RouteKind::mx;
  std::string target;
  friend bool operator==(const Route&, const Route&) = default;
};

struct RecipientState {
  RecipientStatus status = RecipientStatus::pending;
  std::uint16_t attempts = 0;
  std::int64_t next_attempt = 0;  // unix seconds; 0: as soon as possible
  Route route;
  friend bool operator==(const RecipientState&, const RecipientState&) = default;
};

struct Recipient {
  std::string address;
  RecipientState state;
  std::uint8_t notify = 0;  // RFC 3461 NOTIFY (smtp::DsnNotify bits); 0: not given
  std::string orcpt;        // RFC 3461 ORCPT, "addr-type;address" decoded; "": not given
  friend bool operator==(const Recipient&, const Recipient&) = default;
};

struct Envelope {
  std::string sender;  // empty: the null reverse-path <>
  std::vector<Recipient> recipients;
  std::int64_t received_at = 0;  // unix seconds
  std::string client_address;
  std::string helo;
  std::string auth_user;      // empty: not authenticated
  std::string listener;       // listener kind that accepted it (submission, smtps, relay, inbound)
  bool held = false;          // `relayctl queue hold`: delivery skips it until released
  bool delay_warned = false;  // the sender has had its one delay warning ([delivery] delay_warning_after)
  std::uint8_t ret = 0;       // RFC 3461 RET (smtp::DsnReturn): 0 unset, 1 FULL, 2 HDRS
  std::string envid;          // RFC 3461 ENVID, decoded; "": not given
  friend bool operator==(const Envelope&, const Envelope&) = default;
};

struct StoredMessage {
  Envelope envelope;
  std::string body;  // the message as received (CRLF lines, dot-unstuffed), headers we added included
};

}  // namespace mta::spool
