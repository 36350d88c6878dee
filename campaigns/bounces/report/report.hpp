// report.hpp — what `relayctl bounces report` and `campaign status` show, computed from the delivery
// events (schema 3), the campaign's recipients and the suppression list: each recipient's final state, the
// counts and rates, and the breakdowns by class, recipient domain, mailbox provider, reply text and time.
// build_report() only reads; the renderers (report_render.hpp) turn a Report into text.
// Errors: StoreError (campaigns/store/database.hpp) from the database; an unknown campaign is reported as
// nothing (std::nullopt). Untrusted input: recipients' addresses, MX host names and reply texts come from
// outside (lists, remote servers, bounce messages): carried as data, escaped by each renderer.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "campaigns/bounces/bounce_class.hpp"
#include "campaigns/store/database.hpp"

namespace campaigns {

struct ReportFilter {
  std::string campaign;                           // empty: every event, campaign or not
  std::optional<std::chrono::sys_seconds> since;  // events at or after
  std::optional<std::chrono::sys_seconds> until;  // events before
  std::string domain;                             // recipient domain, lower case; empty: all
};

// A recipient's final state. For a campaign, rows that never reached the daemon keep their recipients-table
// state (skipped, refused, pending), and injected rows without any event yet are queued.
enum class FinalState { delivered, deferred, bounced, queued, skipped, refused, pending };
std::string_view to_string(FinalState state);

// The counts. Identity, for a campaign: recipients = delivered + bounced + deferred + queued + skipped +
// refused + pending; without one (recipients are the addresses with an event): recipients = delivered +
// bounced + deferred. complained and unsubscribed are recipients counted again (a complaint means the mail
// was delivered); suppressed counts suppression-list entries (report.cpp says which).
struct ReportCounts {
  std::int64_t recipients = 0, sent = 0, delivered = 0, deferred = 0, bounced = 0, hard = 0, soft = 0;
  std::int64_t complained = 0, unsubscribed = 0, suppressed = 0;
  std::int64_t queued = 0, skipped = 0, refused = 0, pending = 0;
  bool adds_up() const;
  std::string identity() const;  // "400 recipients = 300 delivered + ...", the terms that apply
  bool campaign = false;         // whether queued/skipped/refused/pending are terms of the identity
};

// numerator / denominator, nothing when the denominator is 0.
std::optional<double> rate(std::int64_t numerator, std::int64_t denominator);

struct ClassRow {
  BounceClass bounce_class = BounceClass::other;
  std::int64_t hard = 0, soft = 0;  // bounced recipients whose final bounce had this class
  std::int64_t deferred = 0;        // recipients still deferred, by the class of the last deferral
};

// A recipient domain's or a mailbox provider's recipients (those with at least one event).
struct GroupRow {
  std::string name;
  std::int64_t recipients = 0, delivered = 0, deferred = 0, bounced = 0, hard = 0, soft = 0, complained = 0;
};

struct ReplyRow {
  std::string reply;  // normalised (reply_normaliser.hpp)
  std::int64_t count = 0;
  std::string bounce_class, severity;  // of the most recent recipient with this reply
};

struct TimeBucket {
  std::chrono::sys_seconds start;
  std::int64_t hard = 0, soft = 0;  // bounce events (attempts bounced or expired, asynchronous bounces)
};

struct ReportRecipient {
  std::string campaign, recipient_id, address, domain, provider;
  FinalState state = FinalState::queued;
  std::string bounce_class, severity, reply, enhanced_code, mx_host;
  std::int64_t time_ms = 0;  // the final event's time; 0 without one
  bool complained = false;
  std::string suppression;  // the reason of its suppression-list entry counted in `suppressed`, else ""
  std::string detail;       // skipped/refused rows: the recipients table's reason and detail
};

struct Report {
  ReportFilter filter;
  std::int64_t events = 0;  // delivery events matched by the filter
  ReportCounts counts;
  std::vector<ClassRow> by_class;           // all thirteen, in all_bounce_classes() order
  std::vector<GroupRow> by_domain;          // most recipients first, then by name
  std::vector<GroupRow> by_provider;        // the same
  std::vector<ReplyRow> top_replies;        // most frequent first, at most kTopReplies
  bool hourly = true;                       // buckets of an hour (spans up to 3 days), else of a day
  std::vector<TimeBucket> over_time;        // contiguous, first to last bounce
  std::vector<ReportRecipient> recipients;  // campaign: by line; else by address
};

inline constexpr std::size_t kTopReplies = 20;
inline constexpr std::size_t kMaxTimeBuckets = 2000;  // a longer span is cut at its end

// The report for filter; nothing when filter.campaign names no campaign.
std::optional<Report> build_report(const Database& db, const ReportFilter& filter);

}  // namespace campaigns
