// delivery_event_seed.hpp — delivery_events rows (schema 3) inserted straight into a campaigns database,
// as the recorder writes them, for the tests of what reads them (the bounce report, campaign status).
// Header-only: included by tests that link relay_campaigns. Each row gets a unique event_key.
#pragma once

#include <cstdint>
#include <string>

#include "campaigns/store/database.hpp"

namespace relay::test {

struct SeedEvent {
  std::int64_t time_ms = 0;
  std::string kind = "attempt";  // attempt | bounce | complaint
  std::string result;            // delivered | deferred | bounced | expired | complained
  std::string recipient;
  std::string mx_host;
  std::string reply;
  std::string enhanced_code;
  std::string bounce_class;
  std::string severity;
  std::string campaign;  // "" for NULL
  std::string recipient_id;
};

inline void insert_event(const campaigns::Database& db, const SeedEvent& e) {
  static std::int64_t serial = 0;
  auto at = e.recipient.rfind('@');
  std::string domain = at == std::string::npos ? "" : e.recipient.substr(at + 1);
  campaigns::Statement s(
      db,
      "INSERT INTO delivery_events (time_ms, kind, result, recipient, recipient_domain, mx_host, "
      "reply, enhanced_code, class, severity, campaign_id, recipient_id, event_key) VALUES "
      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULLIF(?11, ''), NULLIF(?12, ''), ?13)");
  s.bind(1, e.time_ms)
      .bind(2, e.kind)
      .bind(3, e.result)
      .bind(4, e.recipient)
      .bind(5, domain)
      .bind(6, e.mx_host)
      .bind(7, e.reply)
      .bind(8, e.enhanced_code)
      .bind(9, e.bounce_class)
      .bind(10, e.severity)
      .bind(11, e.campaign)
      .bind(12, e.recipient_id)
      .bind(13, "seed-" + std::to_string(++serial) + "-" + e.recipient);
  s.step();
}

inline void insert_suppression(const campaigns::Database& db, const std::string& target,
                               const std::string& reason, const std::string& source,
                               std::int64_t created_at) {
  campaigns::Statement s(db,
                         "INSERT INTO suppression (target, reason, source, created_at) VALUES (?, ?, ?, ?)");
  s.bind(1, target).bind(2, reason).bind(3, source).bind(4, created_at);
  s.step();
}

}  // namespace relay::test
