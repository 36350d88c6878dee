#include "mta/server/queue_control.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

#include "dns/name.hpp"
#include "mta/smtp/dsn_params.hpp"
#include "mta/spool/spool_errc.hpp"

namespace mta::server {
namespace {

using nlohmann::json;

json error(std::string_view code, std::string message) {
  return json{{"ok", false}, {"code", code}, {"error", std::move(message)}};
}

json error_for(std::error_code ec, const spool::QueueId& id) {
  if (ec == spool::spool_errc::not_found)
    return error("not_found", "no message " + id.to_string() + " in the queue");
  return error("io", ec.message());
}

json recipients_json(const spool::Envelope& e) {
  json out = json::array();
  for (const auto& r : e.recipients)
    out.push_back({{"address", r.address},
                   {"status", std::string(spool::to_string(r.state.status))},
                   {"attempts", r.state.attempts},
                   {"next_attempt", r.state.next_attempt},
                   {"route", std::string(spool::to_string(r.state.route.kind))},
                   {"route_target", r.state.route.target},
                   {"notify", smtp::format_notify(r.notify)},  // RFC 3461; "" when not given
                   {"orcpt", r.orcpt}});
  return out;
}

json message_json(const spool::QueueId& id, const spool::Envelope& e, std::uint64_t size) {
  return {{"id", id.to_string()},
          {"sender", e.sender},
          {"received_at", e.received_at},
          {"size", size},
          {"held", e.held},
          {"delay_warned", e.delay_warned},
          {"ret", e.ret == 1   ? "FULL"
                  : e.ret == 2 ? "HDRS"
                               : ""},  // RFC 3461; "" when not given
          {"envid", e.envid},
          {"client_address", e.client_address},
          {"helo", e.helo},
          {"auth_user", e.auth_user},
          {"listener", e.listener},
          {"recipients", recipients_json(e)}};
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A recipient still waiting at domain (canonical): the mail held for it (a relay domain's while its
// servers are down).
bool waits_for(const spool::Envelope& e, const std::string& domain) {
  return std::any_of(e.recipients.begin(), e.recipients.end(), [&](const spool::Recipient& r) {
    auto at = r.address.rfind('@');
    return r.state.status == spool::RecipientStatus::pending && at != std::string::npos &&
           dns::canonical_name(std::string_view(r.address).substr(at + 1)) == domain;
  });
}

// Every message, or with domain those with a recipient still waiting at it.
json list(spool::Spool& spool, const std::optional<std::string>& domain) {
  json messages = json::array();
  std::vector<spool::MessageSummary> summaries;
  spool.walk([&](const spool::MessageSummary& s) {
    summaries.push_back(s);
    return true;
  });
  for (const auto& s : summaries) {
    spool::Envelope e;
    if (spool.load_envelope(s.id, e)) continue;  // removed meanwhile
    if (domain && !waits_for(e, *domain)) continue;
    messages.push_back(message_json(s.id, e, s.size));
  }
  return {{"ok", true}, {"messages", std::move(messages)}};
}

json show(spool::Spool& spool, const spool::QueueId& id) {
  spool::StoredMessage m;
  if (auto ec = spool.load(id, m)) return error_for(ec, id);
  json out = message_json(id, m.envelope, m.body.size());
  auto end = m.body.find("\r\n\r\n");
  out["headers"] = m.body.substr(0, end == std::string::npos ? m.body.size() : end + 2).substr(0, 64 * 1024);
  return {{"ok", true}, {"message", std::move(out)}};
}

json flush(spool::Spool& spool) {
  std::vector<std::pair<spool::QueueId, std::uint32_t>> due;
  std::vector<spool::RecipientState> states;
  std::int64_t now = now_seconds();
  spool.walk([&](const spool::MessageSummary& s) {
    for (std::uint32_t i = 0; i < s.recipients.size(); ++i)
      if (s.recipients[i].status == spool::RecipientStatus::pending && s.recipients[i].next_attempt > now) {
        due.emplace_back(s.id, i);
        states.push_back(s.recipients[i]);
      }
    return true;
  });
  std::size_t flushed = 0;
  for (std::size_t i = 0; i < due.size(); ++i) {
    states[i].next_attempt = 0;
    if (!spool.update_recipient_wait(due[i].first, due[i].second, states[i])) ++flushed;
  }
  return {{"ok", true}, {"recipients_rescheduled", flushed}};
}

json stats(spool::Spool& spool) {
  auto s = spool.stats();
  std::int64_t oldest = 0;
  spool.walk([&](const spool::MessageSummary& m) {
    oldest = m.received_at;
    return false;
  });
  return {{"ok", true},
          {"stats",
           {{"messages", s.messages},
            {"recipients_pending", s.recipients_pending},
            {"held", s.held},
            {"segments", s.segments},
            {"disk_bytes", s.disk_bytes},
            {"live_bytes", s.live_bytes},
            {"oldest_received_at", oldest}}}};
}

}  // namespace

std::string handle_control_request(spool::Spool& spool, std::string_view request) {
  json response;
  json parsed = json::parse(request, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("command") ||
      !parsed["command"].is_string()) {
    response = error("bad_request", "expected a JSON object with a \"command\"");
  } else {
    std::string command = parsed["command"];
    std::optional<spool::QueueId> id;
    if (parsed.contains("id") && parsed["id"].is_string())
      id = spool::QueueId::parse(parsed["id"].get<std::string>());
    bool needs_id = command == "show" || command == "hold" || command == "release" || command == "delete";
    if (needs_id && !id) {
      response = error("bad_request",
                       "\"" + command + "\" needs an \"id\" of 16 hex digits (see `relayctl queue list`)");
    } else if (command == "list" && parsed.contains("domain") && !parsed["domain"].is_string()) {
      response = error("bad_request", "\"domain\" must be a string");
    } else if (command == "list") {
      std::optional<std::string> domain;
      if (parsed.contains("domain")) domain = dns::canonical_name(parsed["domain"].get<std::string>());
      response = list(spool, domain);
    } else if (command == "show") {
      response = show(spool, *id);
    } else if (command == "hold" || command == "release") {
      auto ec = spool.set_held_wait(*id, command == "hold");
      response = ec ? error_for(ec, *id) : json{{"ok", true}, {"id", id->to_string()}};
    } else if (command == "delete") {
      auto ec = spool.remove_wait(*id);
      response = ec ? error_for(ec, *id) : json{{"ok", true}, {"id", id->to_string()}};
    } else if (command == "flush") {
      response = flush(spool);
    } else if (command == "stats") {
      response = stats(spool);
    } else {
      response = error("bad_request", "unknown command \"" + command + "\"");
    }
  }
  // Mail is not always valid UTF-8 (8BITMIME, SMTPUTF8 addresses are not checked): replace, never throw.
  return response.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace mta::server
