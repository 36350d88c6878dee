// campaigns::build_report on seeded databases: the final state from the latest meaningful event (an
// asynchronous bounce after a delivery, a deferral then a delivery, a complaint), the campaign identity with
// skipped, refused, pending and queued rows, providers taken from the latest attempt's MX, the suppression
// counts tied to the campaign, the filters, the time buckets, and an empty database.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "campaigns/bounces/report/report.hpp"
#include "campaigns/bounces/report/report_render.hpp"
#include "campaigns/bounces/report/report_time.hpp"
#include "campaigns/store/campaign_store.hpp"
#include "tests/support/delivery_event_seed.hpp"
#include "tests/support/temp_dir.hpp"

namespace campaigns {
namespace {

using relay::test::insert_event;
using relay::test::insert_suppression;
using relay::test::SeedEvent;

ReportFilter by(std::string campaign, std::string domain = "",
                std::optional<std::chrono::sys_seconds> since = std::nullopt,
                std::optional<std::chrono::sys_seconds> until = std::nullopt) {
  ReportFilter f;
  f.campaign = std::move(campaign), f.domain = std::move(domain), f.since = since, f.until = until;
  return f;
}

constexpr std::int64_t kHour = 3600 * 1000;
constexpr std::int64_t kT0 = 1714564800000;  // 2024-05-01T12:00:00Z

class BounceReport : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Database::open(dir.path() / "relayctl.db");
    ASSERT_TRUE(opened.database) << opened.error;
    db = std::move(opened.database);
  }
  void campaign(const std::string& id, std::vector<RecipientRecord> rows) {
    CampaignStore store(*db);
    store.create({id, "", "c.toml", "", "b@b.test", "u@b.test", "", 0, 0}, rows);
  }
  SeedEvent ev(const std::string& recipient, const std::string& id, std::int64_t at,
               const std::string& result, const std::string& mx = "", const std::string& kind = "attempt") {
    SeedEvent e;
    e.time_ms = at, e.result = result, e.recipient = recipient, e.recipient_id = id, e.campaign = "c1";
    e.mx_host = mx, e.kind = kind;
    if (result == "bounced" || result == "deferred" || result == "expired") {
      e.reply = "550 5.1.1 <" + recipient + "> no such user";
      e.bounce_class = "invalid-recipient";
      e.severity = result == "bounced" ? "hard" : "soft";
    }
    return e;
  }
  const ReportRecipient& row(const Report& r, const std::string& address) {
    for (const auto& x : r.recipients)
      if (x.address == address) return x;
    ADD_FAILURE() << "no row " << address;
    return r.recipients.front();
  }
  relay::test::TempDir dir;
  std::unique_ptr<Database> db;
};

TEST_F(BounceReport, EmptyDatabase) {
  auto report = build_report(*db, {});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->events, 0);
  EXPECT_EQ(report->counts.recipients, 0);
  EXPECT_TRUE(report->counts.adds_up());
  EXPECT_EQ(report->by_class.size(), all_bounce_classes().size());
  EXPECT_TRUE(report->over_time.empty());
  EXPECT_FALSE(rate(0, 0));
  for (auto format : {ReportFormat::table, ReportFormat::csv, ReportFormat::json, ReportFormat::html})
    EXPECT_FALSE(render_report(*report, format).empty());
  EXPECT_NE(render_table(*report).find("no events"), std::string::npos);
  EXPECT_NE(render_json(*report).find("\"bounced\": null"), std::string::npos);  // a rate of nothing sent
}

TEST_F(BounceReport, UnknownCampaignIsNothing) {
  EXPECT_FALSE(build_report(*db, by("nope")));
}

TEST_F(BounceReport, FinalStateFromTheLatestMeaningfulEvent) {
  campaign("c1", {{1, "r1", "a@gmail.com", RecipientState::injected, "", "", "Q1"},
                  {2, "r2", "b@gmail.com", RecipientState::injected, "", "", "Q2"},
                  {3, "r3", "c@outlook.com", RecipientState::injected, "", "", "Q3"},
                  {4, "r4", "d@x.test", RecipientState::injected, "", "", "Q4"},
                  {5, "r5", "e@x.test", RecipientState::injected, "", "", "Q5"},
                  {6, "r6", "f@x.test", RecipientState::injected, "", "", "Q6"},
                  {7, "", "bad", RecipientState::skipped, "invalid_address", "no @", ""},
                  {8, "r8", "h@x.test", RecipientState::refused, "", "554 no", ""},
                  {9, "r9", "i@x.test", RecipientState::pending, "", "", ""}});
  // a: delivered, then an asynchronous bounce: bounced, provider from the attempt's MX.
  insert_event(*db, ev("a@gmail.com", "r1", kT0, "delivered", "gmail-smtp-in.l.google.com"));
  insert_event(*db, ev("a@gmail.com", "r1", kT0 + kHour, "bounced", "", "bounce"));
  // b: deferred, then delivered, then a complaint.
  insert_event(*db, ev("b@gmail.com", "r2", kT0, "deferred", "gmail-smtp-in.l.google.com"));
  insert_event(*db, ev("b@gmail.com", "r2", kT0 + 1, "delivered", "alt1.gmail-smtp-in.l.google.com"));
  auto complaint = ev("b@gmail.com", "r2", kT0 + 2 * kHour, "complained", "", "complaint");
  insert_event(*db, complaint);
  // c: deferred twice, still deferred.
  insert_event(*db, ev("c@outlook.com", "r3", kT0, "deferred", "c.mail.protection.outlook.com"));
  insert_event(*db, ev("c@outlook.com", "r3", kT0 + kHour, "deferred", "c.mail.protection.outlook.com"));
  // d: expired after deferrals: a soft bounce of the last class.
  insert_event(*db, ev("d@x.test", "r4", kT0, "deferred", "mx.x.test"));
  auto expired = ev("d@x.test", "r4", kT0 + 3 * kHour, "expired", "mx.x.test");
  expired.severity = "", expired.bounce_class = "mailbox-full";
  insert_event(*db, expired);
  // e: a spam block.
  auto block = ev("e@x.test", "r5", kT0, "bounced", "mx.x.test");
  block.bounce_class = "spam-block", block.reply = "550 5.7.1 blocked 192.0.2.1";
  insert_event(*db, block);
  // f: nothing yet (queued). Another campaign's event must not count.
  auto other = ev("a@gmail.com", "r1", kT0, "bounced", "mx");
  other.campaign = "c2";
  insert_event(*db, other);

  auto r = build_report(*db, by("c1"));
  ASSERT_TRUE(r);
  const auto& c = r->counts;
  EXPECT_EQ(r->events, 10);
  EXPECT_EQ(c.recipients, 9);
  EXPECT_EQ(c.delivered, 1);
  EXPECT_EQ(c.bounced, 3);
  EXPECT_EQ(c.hard, 2);
  EXPECT_EQ(c.soft, 1);
  EXPECT_EQ(c.deferred, 1);
  EXPECT_EQ(c.queued, 1);
  EXPECT_EQ(c.skipped, 1);
  EXPECT_EQ(c.refused, 1);
  EXPECT_EQ(c.pending, 1);
  EXPECT_EQ(c.complained, 1);
  EXPECT_EQ(c.sent, 6);
  EXPECT_TRUE(c.adds_up());
  EXPECT_EQ(
      c.identity(),
      "9 recipients = 1 delivered + 3 bounced + 1 deferred + 1 queued + 1 skipped + 1 refused + 1 pending");

  EXPECT_EQ(row(*r, "a@gmail.com").state, FinalState::bounced);
  EXPECT_EQ(row(*r, "a@gmail.com").provider, "Gmail / Google Workspace");
  EXPECT_EQ(row(*r, "b@gmail.com").state, FinalState::delivered);
  EXPECT_TRUE(row(*r, "b@gmail.com").complained);
  EXPECT_EQ(row(*r, "d@x.test").bounce_class, "mailbox-full");
  EXPECT_EQ(row(*r, "d@x.test").severity, "soft");
  EXPECT_EQ(row(*r, "bad").state, FinalState::skipped);
  EXPECT_EQ(row(*r, "bad").detail, "invalid_address: no @");

  auto cls = [&](BounceClass b) { return r->by_class[static_cast<std::size_t>(b)]; };
  EXPECT_EQ(cls(BounceClass::invalid_recipient).hard, 1);
  EXPECT_EQ(cls(BounceClass::invalid_recipient).deferred, 1);
  EXPECT_EQ(cls(BounceClass::spam_block).hard, 1);
  EXPECT_EQ(cls(BounceClass::mailbox_full).soft, 1);

  ASSERT_FALSE(r->by_provider.empty());
  ASSERT_EQ(r->by_provider.size(), 3u);                           // most recipients first, then by name
  EXPECT_EQ(r->by_provider[0].name, "Gmail / Google Workspace");  // a (its bounce had no MX), b
  EXPECT_EQ(r->by_provider[0].recipients, 2);
  EXPECT_EQ(r->by_provider[0].bounced, 1);
  EXPECT_EQ(r->by_provider[0].complained, 1);
  EXPECT_EQ(r->by_provider[1].name, "other");  // d, e: mx.x.test
  EXPECT_EQ(r->by_provider[2].name, "Microsoft");
  EXPECT_EQ(r->by_provider[2].deferred, 1);
  // a, c and d: the same reason for different addresses, one normalised reply.
  ASSERT_EQ(r->top_replies.size(), 2u);
  EXPECT_EQ(r->top_replies[0].reply, "550 5.1.1 <<address>> no such user");
  EXPECT_EQ(r->top_replies[0].count, 3);
  EXPECT_EQ(r->top_replies[1].reply, "550 5.7.1 blocked <ip>");

  EXPECT_TRUE(r->hourly);
  ASSERT_EQ(r->over_time.size(), 4u);  // 12:00 to 15:00, contiguous
  EXPECT_EQ(r->over_time[0].hard, 1);  // the block
  EXPECT_EQ(r->over_time[1].hard, 1);  // the asynchronous bounce
  EXPECT_EQ(r->over_time[2].hard + r->over_time[2].soft, 0);
  EXPECT_EQ(r->over_time[3].soft, 1);  // the expiry
}

TEST_F(BounceReport, SuppressionsTiedToTheCampaign) {
  campaign("c1", {{1, "r1", "A@x.test", RecipientState::injected, "", "", "Q"},
                  {2, "r2", "b@x.test", RecipientState::injected, "", "", "Q"}});
  auto created = CampaignStore(*db).find("c1")->created_at;
  insert_suppression(*db, "a@x.test", "hard-bounce", "bounce", created + 5);  // a recipient, after: counted
  insert_suppression(*db, "b@x.test", "manual", "", created - 100);           // before the campaign: not
  insert_suppression(*db, "z@y.test", "unsubscribe", "one-click campaign c1", created + 9);  // named: counted
  insert_suppression(*db, "q@y.test", "unsubscribe", "one-click campaign c10", created + 9);  // c10, not c1
  auto r = build_report(*db, by("c1"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.suppressed, 2);
  EXPECT_EQ(r->counts.unsubscribed, 1);
  EXPECT_EQ(row(*r, "A@x.test").suppression, "hard-bounce");
  EXPECT_EQ(row(*r, "b@x.test").suppression, "");

  auto all = build_report(*db, {});
  EXPECT_EQ(all->counts.suppressed, 4);
  EXPECT_EQ(all->counts.unsubscribed, 2);
  auto domain = build_report(*db, by("", "Y.test"));
  EXPECT_EQ(domain->counts.suppressed, 2);
}

TEST_F(BounceReport, WithoutACampaignRecipientsAreAddressesAndFiltersApply) {
  SeedEvent e;
  e.recipient = "x@gmail.com", e.result = "bounced", e.time_ms = kT0, e.bounce_class = "bad-domain",
  e.severity = "hard", e.mx_host = "aspmx.l.google.com";
  insert_event(*db, e);
  e.result = "delivered", e.time_ms = kT0 + 10 * 86400000LL;  // later: delivered after all
  insert_event(*db, e);
  e.recipient = "y@other.test", e.result = "deferred", e.time_ms = kT0, e.mx_host = "";
  insert_event(*db, e);
  e.kind = "bounce", e.recipient = "z@other.test", e.result = "bounced", e.time_ms = kT0 + 86400000LL * 5;
  insert_event(*db, e);

  auto r = build_report(*db, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->counts.recipients, 3);
  EXPECT_EQ(r->counts.sent, 2);  // z only bounced asynchronously: no attempt recorded
  EXPECT_EQ(r->counts.delivered, 1);
  EXPECT_EQ(r->counts.deferred, 1);
  EXPECT_EQ(r->counts.bounced, 1);
  EXPECT_TRUE(r->counts.adds_up());
  EXPECT_FALSE(r->hourly);                             // bounces five days apart
  EXPECT_EQ(r->over_time.size(), 6u);                  // day buckets 0..5
  EXPECT_EQ(r->recipients[0].address, "x@gmail.com");  // by address

  auto since = build_report(*db, by("", "", std::chrono::sys_seconds{std::chrono::seconds{kT0 / 1000 + 1}}));
  EXPECT_EQ(since->counts.recipients, 2);
  auto until = build_report(
      *db, by("", "", std::nullopt, std::chrono::sys_seconds{std::chrono::seconds{kT0 / 1000 + 1}}));
  EXPECT_EQ(until->counts.bounced, 1);  // x's bounce; its delivery is after
  EXPECT_EQ(until->counts.deferred, 1);
  auto domain = build_report(*db, by("", "OTHER.test"));
  EXPECT_EQ(domain->counts.recipients, 2);
  EXPECT_EQ(domain->by_domain.size(), 1u);
  EXPECT_EQ(domain->by_domain[0].name, "other.test");
}

// Domains, addresses and replies come from outside: escaped in HTML, defused in the table and CSV.
TEST_F(BounceReport, OutsideTextIsEscapedInEveryFormat) {
  SeedEvent e;
  e.recipient = "=x@<b>evil</b>.test", e.result = "bounced", e.time_ms = kT0, e.bounce_class = "other";
  e.severity = "hard", e.mx_host = "mx.\"evil\".test", e.reply = "550 \x1b[31mred\x1b[0m <img src=x>";
  insert_event(*db, e);
  auto r = build_report(*db, {});
  ASSERT_TRUE(r);
  auto html = render_html(*r);
  EXPECT_NE(html.find("&lt;b&gt;evil&lt;/b&gt;.test"), std::string::npos);
  EXPECT_EQ(html.find("<b>evil"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_NE(html.find("&lt;img src=x&gt;"), std::string::npos);
  auto table = render_table(*r);
  EXPECT_EQ(table.find('\x1b'), std::string::npos);
  EXPECT_NE(table.find("550 ?[31mred?[0m"), std::string::npos);
  auto csv = render_csv(*r);
  EXPECT_NE(csv.find(",'=x@<b>evil</b>.test,"), std::string::npos);
  auto json = nlohmann::json::parse(render_json(*r));
  EXPECT_EQ(json["recipients"][0]["recipient"], "=x@<b>evil</b>.test");  // JSON keeps it verbatim
  EXPECT_EQ(json["recipients"][0]["reply"], e.reply);
}

TEST(ReportTime, FormsAndRefusals) {
  auto now = std::chrono::sys_seconds{std::chrono::seconds{1714564800}};
  EXPECT_EQ(parse_report_time("7d", now), now - std::chrono::hours{24 * 7});
  EXPECT_EQ(parse_report_time("30m", now), now - std::chrono::minutes{30});
  EXPECT_EQ(parse_report_time("2w", now), now - std::chrono::hours{24 * 14});
  EXPECT_EQ(parse_report_time("2024-05-01T12:00:00Z", now), now);
  for (const char* bad : {"", "d", "0d", "-1d", "7x", "7 d", "yesterday", "2024-05-01", "99999999999999d"})
    EXPECT_FALSE(parse_report_time(bad, now)) << bad;
}

TEST(ReportCsv, FormulaInjectionIsDefused) {
  EXPECT_EQ(csv_cell("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(csv_cell("+1"), "'+1");
  EXPECT_EQ(csv_cell("-2"), "'-2");
  EXPECT_EQ(csv_cell("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("plain"), "plain");
}

}  // namespace
}  // namespace campaigns
