// report.cpp — the aggregation behind report.hpp. Each recipient's events are read in time order and its
// final state is the latest meaningful one: delivered or bounced replace each other (an asynchronous
// bounce after a delivery makes the recipient bounced), deferred counts only while neither has happened, a
// complaint marks the recipient complained (and delivered, if nothing else was recorded).
// A recipient is one campaign recipient (campaign id and recipient id from the VERP token) or, for mail
// without a token, one address.
// suppressed: for a campaign, suppression-list entries whose source names the campaign ("one-click
// campaign ID", as the unsubscribe handling writes it) or whose target is one of the campaign's addresses
// and was added after the campaign was created; without one, every entry added in the period. Entries
// added before the campaign are not counted: those recipients were skipped as suppressed. unsubscribed:
// the suppressed entries of reason unsubscribe (for a campaign, only those whose source names it).
// since/until also bound the entries' times; --domain their targets' domain.
#include "campaigns/bounces/report/report.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "campaigns/bounces/report/mailbox_provider.hpp"
#include "campaigns/bounces/report/reply_normaliser.hpp"
#include "campaigns/store/campaign_store.hpp"

namespace campaigns {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string domain_of(std::string_view address) {
  auto at = address.rfind('@');
  return at == std::string_view::npos ? "" : lower(address.substr(at + 1));
}

enum class Outcome { none, delivered, deferred, bounced };

struct Track {
  std::string campaign, recipient_id, address, domain, mx_host;
  Outcome outcome = Outcome::none;
  std::string bounce_class, severity, reply, enhanced_code;
  std::int64_t time_ms = 0;
  bool attempted = false, complained = false;
};

std::string class_name(std::string_view stored) {
  auto parsed = parse_bounce_class(stored);
  return std::string(to_string(parsed.value_or(BounceClass::other)));
}

struct Event {
  std::int64_t time_ms;
  std::string kind, result, recipient, domain, mx_host, reply, enhanced_code, bounce_class, severity;
  std::string campaign, recipient_id;
};

void apply(Track& t, const Event& e) {
  t.attempted = t.attempted || e.kind == "attempt";
  if (!e.mx_host.empty()) t.mx_host = e.mx_host;
  auto take = [&](Outcome outcome) {
    t.outcome = outcome;
    t.time_ms = e.time_ms;
    t.reply = e.reply;
    t.enhanced_code = e.enhanced_code;
    if (outcome == Outcome::delivered) {
      t.bounce_class.clear(), t.severity.clear();
    } else {
      t.bounce_class = class_name(e.bounce_class);
      // An expiry or a bounce left unclassified: a later attempt might succeed, so soft.
      t.severity = e.severity == "hard" ? "hard" : "soft";
    }
  };
  if (e.result == "delivered") {
    take(Outcome::delivered);
  } else if (e.result == "deferred") {
    if (t.outcome == Outcome::none || t.outcome == Outcome::deferred) take(Outcome::deferred);
  } else if (e.result == "bounced" || e.result == "expired") {
    take(Outcome::bounced);
  } else if (e.result == "complained") {
    t.complained = true;
    if (t.outcome == Outcome::none || t.outcome == Outcome::deferred) {
      t.outcome = Outcome::delivered;
      t.time_ms = e.time_ms;
      t.reply.clear(), t.enhanced_code.clear(), t.bounce_class.clear(), t.severity.clear();
    }
  }
}

bool is_bounce_event(const Event& e) {
  return e.result == "bounced" || e.result == "expired";
}

// A bounce event's time and whether it was hard: all the time chart needs, kept instead of the event.
struct BounceTime {
  std::int64_t time_ms;
  bool hard;
};

std::int64_t to_ms(std::chrono::sys_seconds t) {
  return static_cast<std::int64_t>(t.time_since_epoch().count()) * 1000;
}

// Calls each(event) for every event of the filter, in time order, one row in memory at a time.
template <typename Each>
std::int64_t for_each_event(const Database& db, const ReportFilter& f, Each each) {
  Statement s(
      db,
      "SELECT time_ms, kind, result, recipient, lower(recipient_domain), mx_host, reply, enhanced_code, "
      "class, severity, IFNULL(campaign_id, ''), IFNULL(recipient_id, '') FROM delivery_events "
      "WHERE (?1 = '' OR campaign_id = ?1) AND time_ms >= ?2 AND time_ms < ?3 "
      "AND (?4 = '' OR lower(recipient_domain) = ?4) ORDER BY time_ms, id");
  s.bind(1, f.campaign)
      .bind(2, f.since ? to_ms(*f.since) : std::numeric_limits<std::int64_t>::min())
      .bind(3, f.until ? to_ms(*f.until) : std::numeric_limits<std::int64_t>::max())
      .bind(4, f.domain);
  std::int64_t n = 0;
  while (s.step()) {
    each(Event{s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), s.text(7),
               s.text(8), s.text(9), s.text(10), s.text(11)});
    ++n;
  }
  return n;
}

FinalState final_state(Outcome o) {
  switch (o) {
    case Outcome::delivered:
      return FinalState::delivered;
    case Outcome::deferred:
      return FinalState::deferred;
    case Outcome::bounced:
      return FinalState::bounced;
    case Outcome::none:
      break;
  }
  return FinalState::queued;
}

ReportRecipient row_from(const Track& t) {
  ReportRecipient r;
  r.campaign = t.campaign;
  r.recipient_id = t.recipient_id;
  r.address = t.address;
  r.domain = t.domain;
  r.provider = std::string(provider_for_mx(t.mx_host));
  r.state = final_state(t.outcome);
  r.bounce_class = t.bounce_class;
  r.severity = t.severity;
  r.reply = t.reply;
  r.enhanced_code = t.enhanced_code;
  r.mx_host = t.mx_host;
  r.time_ms = t.time_ms;
  r.complained = t.complained;
  return r;
}

// Whether source names the campaign as a word: "... campaign ID" at its end or followed by a separator.
bool names_campaign(std::string_view source, std::string_view id) {
  std::string needle = "campaign " + std::string(id);
  for (auto at = source.find(needle); at != std::string_view::npos; at = source.find(needle, at + 1)) {
    auto end = at + needle.size();
    bool word_start = at == 0 || !std::isalnum(static_cast<unsigned char>(source[at - 1]));
    bool word_end = end == source.size() || !(std::isalnum(static_cast<unsigned char>(source[end])) ||
                                              source[end] == '-' || source[end] == '_' || source[end] == '.');
    if (word_start && word_end) return true;
  }
  return false;
}

struct SuppressionCount {
  std::int64_t suppressed = 0, unsubscribed = 0;
  std::unordered_map<std::string, std::string> reason_by_target;
};

SuppressionCount count_suppressions(const Database& db, const ReportFilter& f,
                                    const std::optional<CampaignRecord>& campaign,
                                    const std::set<std::string>& campaign_addresses) {
  SuppressionCount out;
  Statement s(db,
              "SELECT target, reason, source, created_at FROM suppression WHERE created_at >= ?1 AND "
              "created_at < ?2");
  s.bind(1, f.since ? static_cast<std::int64_t>(f.since->time_since_epoch().count())
                    : std::numeric_limits<std::int64_t>::min())
      .bind(2, f.until ? static_cast<std::int64_t>(f.until->time_since_epoch().count())
                       : std::numeric_limits<std::int64_t>::max());
  while (s.step()) {
    auto target = s.text(0), reason = s.text(1), source = s.text(2);
    auto created = s.integer(3);
    if (!f.domain.empty()) {
      auto at = target.rfind('@');
      if (at == std::string::npos || lower(std::string_view(target).substr(at + 1)) != f.domain) continue;
    }
    bool named = false;
    if (campaign) {
      named = names_campaign(source, campaign->id);
      bool recipient = created >= campaign->created_at && campaign_addresses.count(lower(target)) > 0;
      if (!named && !recipient) continue;
    }
    ++out.suppressed;
    if (reason == "unsubscribe" && (!campaign || named)) ++out.unsubscribed;
    out.reason_by_target[lower(target)] = reason;
  }
  return out;
}

void add_to_group(std::map<std::string, GroupRow>& groups, const std::string& name,
                  const ReportRecipient& r) {
  auto& g = groups[name];
  g.name = name;
  ++g.recipients;
  g.delivered += r.state == FinalState::delivered;
  g.deferred += r.state == FinalState::deferred;
  g.bounced += r.state == FinalState::bounced;
  g.hard += r.state == FinalState::bounced && r.severity == "hard";
  g.soft += r.state == FinalState::bounced && r.severity == "soft";
  g.complained += r.complained;
}

std::vector<GroupRow> sorted_groups(std::map<std::string, GroupRow> groups) {
  std::vector<GroupRow> out;
  for (auto& [name, g] : groups)
    out.push_back(std::move(g));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.recipients > b.recipients; });
  return out;
}

void summarise(Report& report, const std::vector<BounceTime>& bounces) {
  auto& c = report.counts;
  std::map<std::string, GroupRow> domains, providers;
  std::map<std::string, ReplyRow> replies;
  std::map<std::string, std::int64_t> reply_time;
  report.by_class.clear();
  for (auto bc : all_bounce_classes())
    report.by_class.push_back({bc, 0, 0, 0});
  for (const auto& r : report.recipients) {
    ++c.recipients;
    switch (r.state) {
      case FinalState::delivered:
        ++c.delivered;
        break;
      case FinalState::deferred:
        ++c.deferred;
        break;
      case FinalState::bounced:
        ++c.bounced;
        (r.severity == "hard" ? c.hard : c.soft) += 1;
        break;
      case FinalState::queued:
        ++c.queued;
        break;
      case FinalState::skipped:
        ++c.skipped;
        break;
      case FinalState::refused:
        ++c.refused;
        break;
      case FinalState::pending:
        ++c.pending;
        break;
    }
    c.complained += r.complained;
    bool outcome =
        r.state == FinalState::delivered || r.state == FinalState::deferred || r.state == FinalState::bounced;
    if (!outcome) continue;
    add_to_group(domains, r.domain.empty() ? std::string("(none)") : r.domain, r);
    add_to_group(providers, r.provider, r);
    if (r.state == FinalState::delivered) continue;
    auto bc = parse_bounce_class(r.bounce_class).value_or(BounceClass::other);
    auto& row = report.by_class[static_cast<std::size_t>(bc)];
    if (r.state == FinalState::deferred)
      ++row.deferred;
    else
      (r.severity == "hard" ? row.hard : row.soft) += 1;
    if (r.reply.empty()) continue;
    auto key = normalise_reply(r.reply);
    auto& reply = replies[key];
    reply.reply = key;
    ++reply.count;
    if (r.time_ms >= reply_time[key]) {
      reply_time[key] = r.time_ms;
      reply.bounce_class = r.bounce_class;
      reply.severity = r.state == FinalState::deferred ? "deferred" : r.severity;
    }
  }
  report.by_domain = sorted_groups(std::move(domains));
  report.by_provider = sorted_groups(std::move(providers));
  for (auto& [key, row] : replies)
    report.top_replies.push_back(std::move(row));
  std::stable_sort(report.top_replies.begin(), report.top_replies.end(),
                   [](const auto& a, const auto& b) { return a.count > b.count; });
  if (report.top_replies.size() > kTopReplies) report.top_replies.resize(kTopReplies);

  std::int64_t first = std::numeric_limits<std::int64_t>::max(),
               last = std::numeric_limits<std::int64_t>::min();
  for (const auto& b : bounces)
    first = std::min(first, b.time_ms), last = std::max(last, b.time_ms);
  if (first > last) return;
  report.hourly = last - first <= 72LL * 3600 * 1000;
  const std::int64_t width = (report.hourly ? 3600LL : 86400LL) * 1000;
  auto floor_to = [&](std::int64_t ms) {
    return ms >= 0 ? ms / width * width : -((-ms + width - 1) / width) * width;
  };
  auto start = floor_to(first);
  auto count = static_cast<std::size_t>((floor_to(last) - start) / width + 1);
  count = std::min(count, kMaxTimeBuckets);
  for (std::size_t i = 0; i < count; ++i)
    report.over_time.push_back({std::chrono::sys_seconds{std::chrono::seconds{
                                    (start + static_cast<std::int64_t>(i) * width) / 1000}},
                                0, 0});
  for (const auto& b : bounces) {
    auto index = static_cast<std::size_t>((floor_to(b.time_ms) - start) / width);
    if (index >= count) continue;
    (b.hard ? report.over_time[index].hard : report.over_time[index].soft) += 1;
  }
}

}  // namespace

std::string_view to_string(FinalState state) {
  switch (state) {
    case FinalState::delivered:
      return "delivered";
    case FinalState::deferred:
      return "deferred";
    case FinalState::bounced:
      return "bounced";
    case FinalState::queued:
      return "queued";
    case FinalState::skipped:
      return "skipped";
    case FinalState::refused:
      return "refused";
    case FinalState::pending:
      return "pending";
  }
  return "queued";
}

bool ReportCounts::adds_up() const {
  auto sum = delivered + bounced + deferred + (campaign ? queued + skipped + refused + pending : 0);
  return recipients == sum && hard + soft == bounced;
}

std::string ReportCounts::identity() const {
  auto term = [](std::int64_t n, std::string_view name) {
    return std::to_string(n) + " " + std::string(name);
  };
  std::string out = term(recipients, "recipients") + " = " + term(delivered, "delivered") + " + " +
                    term(bounced, "bounced") + " + " + term(deferred, "deferred");
  if (campaign)
    out += " + " + term(queued, "queued") + " + " + term(skipped, "skipped") + " + " +
           term(refused, "refused") + " + " + term(pending, "pending");
  return out;
}

std::optional<double> rate(std::int64_t numerator, std::int64_t denominator) {
  if (denominator <= 0) return std::nullopt;
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}

std::optional<Report> build_report(const Database& db, const ReportFilter& filter) {
  Report report;
  report.filter = filter;
  report.filter.domain = lower(filter.domain);
  const auto& f = report.filter;
  std::optional<CampaignRecord> campaign;
  CampaignStore store(db);
  if (!f.campaign.empty()) {
    campaign = store.find(f.campaign);
    if (!campaign) return std::nullopt;
  }
  std::unordered_map<std::string, Track> tracks;
  std::vector<std::string> order;
  std::vector<BounceTime> bounces;
  report.events = for_each_event(db, f, [&](const Event& e) {
    if (is_bounce_event(e)) bounces.push_back({e.time_ms, e.severity == "hard"});
    auto key = campaign ? (e.recipient_id.empty() ? "@" + lower(e.recipient) : e.recipient_id)
                        : (e.campaign.empty() || e.recipient_id.empty() ? "@" + lower(e.recipient)
                                                                        : e.campaign + "\n" + e.recipient_id);
    auto [it, added] = tracks.try_emplace(key);
    auto& t = it->second;
    if (added) {
      order.push_back(key);
      t.campaign = e.campaign, t.recipient_id = e.recipient_id, t.address = e.recipient, t.domain = e.domain;
    }
    apply(t, e);
  });

  std::set<std::string> campaign_addresses;
  if (campaign) {
    report.counts.campaign = true;
    CampaignStore::Cursor cursor(store, f.campaign);
    RecipientRecord row;
    while (cursor.next(row)) {
      auto domain = domain_of(row.address);
      if (!f.domain.empty() && domain != f.domain) continue;
      if (!row.address.empty()) campaign_addresses.insert(lower(row.address));
      const Track* t = nullptr;
      if (!row.recipient_id.empty()) {
        auto by_id = tracks.find(row.recipient_id);
        if (by_id == tracks.end()) by_id = tracks.find("@" + lower(row.address));
        if (by_id != tracks.end()) t = &by_id->second;
      }
      ReportRecipient r;
      if (t) {
        r = row_from(*t);
      } else {
        r.state = row.state == RecipientState::skipped   ? FinalState::skipped
                  : row.state == RecipientState::refused ? FinalState::refused
                  : row.state == RecipientState::pending ? FinalState::pending
                                                         : FinalState::queued;
        r.provider = std::string(kOtherProvider);
        r.detail =
            row.reason.empty() ? row.detail : row.reason + (row.detail.empty() ? "" : ": " + row.detail);
      }
      r.campaign = f.campaign;
      r.recipient_id = row.recipient_id;
      r.address = row.address;
      r.domain = domain;
      report.recipients.push_back(std::move(r));
    }
  } else {
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      const auto &ta = tracks[a], &tb = tracks[b];
      return std::tie(ta.address, ta.campaign, ta.recipient_id) <
             std::tie(tb.address, tb.campaign, tb.recipient_id);
    });
    for (const auto& key : order)
      report.recipients.push_back(row_from(tracks[key]));
  }

  summarise(report, bounces);
  auto& c = report.counts;
  if (campaign) {
    c.sent = c.delivered + c.deferred + c.bounced + c.queued;
  } else {
    for (const auto& [key, t] : tracks)
      c.sent += t.attempted;
  }
  auto suppressions = count_suppressions(db, f, campaign, campaign_addresses);
  c.suppressed = suppressions.suppressed;
  c.unsubscribed = suppressions.unsubscribed;
  for (auto& r : report.recipients)
    if (auto it = suppressions.reason_by_target.find(lower(r.address));
        it != suppressions.reason_by_target.end())
      r.suppression = it->second;
  return report;
}

}  // namespace campaigns
