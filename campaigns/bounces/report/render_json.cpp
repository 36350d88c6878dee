// render_json.cpp — the json format: one object (keys in docs/bounces.md, "Reports"). Rates are fractions
// (0.25), null when their denominator is 0; times RFC 3339; "recipients" last, one recipient a line.
#include <nlohmann/json.hpp>

#include "campaigns/bounces/report/report_render.hpp"
#include "campaigns/formats/timestamp.hpp"

namespace campaigns {
namespace {

nlohmann::json rate_json(std::int64_t n, std::int64_t d) {
  auto r = rate(n, d);
  return r ? nlohmann::json(*r) : nlohmann::json(nullptr);
}

nlohmann::json group_json(const std::vector<GroupRow>& rows, const char* key) {
  auto out = nlohmann::json::array();
  for (const auto& g : rows)
    out.push_back({{key, g.name},
                   {"recipients", g.recipients},
                   {"delivered", g.delivered},
                   {"deferred", g.deferred},
                   {"bounced", g.bounced},
                   {"hard", g.hard},
                   {"soft", g.soft},
                   {"complained", g.complained},
                   {"bounce_rate", rate_json(g.bounced, g.recipients)}});
  return out;
}

}  // namespace

std::string render_json(const Report& report) {
  const auto& f = report.filter;
  const auto& c = report.counts;
  auto optional_time = [](const std::optional<std::chrono::sys_seconds>& t) {
    return t ? nlohmann::json(format_timestamp(*t)) : nlohmann::json(nullptr);
  };
  nlohmann::json out;
  out["filter"] = {{"campaign", f.campaign.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.campaign)},
                   {"since", optional_time(f.since)},
                   {"until", optional_time(f.until)},
                   {"domain", f.domain.empty() ? nlohmann::json(nullptr) : nlohmann::json(f.domain)}};
  out["events"] = report.events;
  out["counts"] = {{"recipients", c.recipients},
                   {"sent", c.sent},
                   {"delivered", c.delivered},
                   {"deferred", c.deferred},
                   {"bounced", c.bounced},
                   {"hard", c.hard},
                   {"soft", c.soft},
                   {"complained", c.complained},
                   {"unsubscribed", c.unsubscribed},
                   {"suppressed", c.suppressed},
                   {"queued", c.queued},
                   {"skipped", c.skipped},
                   {"refused", c.refused},
                   {"pending", c.pending}};
  out["rates"] = {{"delivered", rate_json(c.delivered, c.sent)},
                  {"deferred", rate_json(c.deferred, c.sent)},
                  {"bounced", rate_json(c.bounced, c.sent)},
                  {"hard", rate_json(c.hard, c.sent)},
                  {"soft", rate_json(c.soft, c.sent)},
                  {"complained", rate_json(c.complained, c.delivered)},
                  {"unsubscribed", rate_json(c.unsubscribed, c.delivered)},
                  {"suppressed", rate_json(c.suppressed, c.sent)}};
  out["identity"] = {{"text", c.identity()}, {"adds_up", c.adds_up()}};
  auto classes = nlohmann::json::array();
  for (const auto& row : report.by_class)
    classes.push_back({{"class", to_string(row.bounce_class)},
                       {"hard", row.hard},
                       {"soft", row.soft},
                       {"deferred", row.deferred},
                       {"about_sender", is_about_sender(row.bounce_class)}});
  out["by_class"] = classes;
  out["by_domain"] = group_json(report.by_domain, "domain");
  out["by_provider"] = group_json(report.by_provider, "provider");
  auto replies = nlohmann::json::array();
  for (const auto& r : report.top_replies)
    replies.push_back(
        {{"reply", r.reply}, {"count", r.count}, {"class", r.bounce_class}, {"severity", r.severity}});
  out["top_replies"] = replies;
  auto buckets = nlohmann::json::array();
  for (const auto& b : report.over_time)
    buckets.push_back({{"start", format_timestamp(b.start)}, {"hard", b.hard}, {"soft", b.soft}});
  out["over_time"] = {{"bucket", report.hourly ? "hour" : "day"}, {"buckets", buckets}};
  // Invalid UTF-8 in a remote reply must not make the report fail: replaced, not thrown.
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  std::string text = out.dump(2, ' ', false, kReplace);
  // The recipients last, one a line, each converted on its own: a campaign of a million recipients is not
  // held as one JSON tree besides the report.
  text.resize(text.size() - 2);  // "\n}"
  text += ",\n  \"recipients\": [";
  bool first = true;
  for (const auto& r : report.recipients) {
    nlohmann::json one{{"campaign", r.campaign},
                       {"recipient_id", r.recipient_id},
                       {"recipient", r.address},
                       {"domain", r.domain},
                       {"provider", r.provider},
                       {"state", to_string(r.state)},
                       {"severity", r.severity},
                       {"class", r.bounce_class},
                       {"about_sender", about_sender(r.bounce_class)},
                       {"complained", r.complained},
                       {"suppression", r.suppression},
                       {"enhanced_code", r.enhanced_code},
                       {"reply", r.reply},
                       {"mx_host", r.mx_host},
                       {"time", format_time_ms(r.time_ms)},
                       {"detail", r.detail}};
    text += first ? "\n    " : ",\n    ";
    text += one.dump(-1, ' ', false, kReplace);
    first = false;
  }
  text += first ? "]\n}\n" : "\n  ]\n}\n";
  return text;
}

}  // namespace campaigns
