// `relayctl bounces report` and `campaign status` run as a user runs them, on a database seeded with a
// campaign of 400 recipients as the delivery-event recorder writes them: delivered, deferred then
// delivered, complaints, hard and soft bounces of several classes at several providers, asynchronous
// bounces after delivery, expiries, recipients still deferred or queued, skipped, refused and pending rows,
// unsubscribes and other suppressions. Every format is checked against what was seeded (the counts add up
// exactly), the HTML page is rendered by headless Chromium (its DOM and screenshots at phone and desktop
// widths, and its net log: no request), and the errors: an empty database, one at schema 2, a bad --since,
// an unknown campaign.
// Set RELAY_REPORT_SCREENSHOTS=DIR to keep the screenshots (docs/images/bounces-report*.png come from it).
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "campaigns/formats/csv.hpp"
#include "campaigns/store/campaign_store.hpp"
#include "tests/support/delivery_event_seed.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kT0 = 1714550400000;  // 2024-05-01T08:00:00Z
constexpr int kRows = 400;

struct Domain {
  const char* name;
  const char* mx;
  const char* provider;
};
constexpr Domain kDomains[] = {
    {"gmail.com", "gmail-smtp-in.l.google.com", "Gmail / Google Workspace"},
    {"outlook.com", "outlook-com.olc.protection.outlook.com", "Microsoft"},
    {"yahoo.com", "mta5.am0.yahoodns.net", "Yahoo / AOL"},
    {"web.de", "mx-ha03.web.de", "GMX / web.de"},
    {"icloud.com", "mx01.mail.icloud.com", "Apple iCloud"},
    {"example.org", "mx.example.org", "other"},
};

// What was seeded, counted as it was seeded.
struct Plan {
  std::int64_t recipients = 0, delivered = 0, deferred = 0, bounced = 0, hard = 0, soft = 0, complained = 0;
  std::int64_t unsubscribed = 0, suppressed = 0, queued = 0, skipped = 0, refused = 0, pending = 0;
  std::int64_t bounce_events = 0, spam_block = 0, policy_auth = 0, gmail = 0;
  std::map<std::string, std::string> state;  // by address
};

std::string spamhaus_reply(int i) {
  return "550 5.7.1 Service unavailable, Client host [192.0.2." + std::to_string(i % 250) +
         "] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/"
         " AS(1440) [DB5PEPF0000" +
         std::to_string(1000 + i) + ".eurprd04.prod.outlook.com " + std::to_string(2024050100 + i) + "]";
}

class BouncesReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    plan_ = new Plan;
    seed(dir_->path() / "relayctl.db", *plan_);
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete plan_;
  }

  static void seed(const std::filesystem::path& path, Plan& p) {
    auto opened = campaigns::Database::open(path);
    ASSERT_TRUE(opened.database) << opened.error;
    auto& db = *opened.database;
    campaigns::CampaignStore store(db);
    std::vector<campaigns::RecipientRecord> rows;
    for (int i = 0; i < kRows; ++i) {
      const auto& d = kDomains[i % 6];
      std::string address = "user" + std::to_string(i) + "@" + d.name;
      campaigns::RecipientRecord row{
          i + 2, "r" + std::to_string(i), address, campaigns::RecipientState::injected, "",
          "",    "Q" + std::to_string(i)};
      if (i < 12) {
        row.state = campaigns::RecipientState::skipped;
        row.recipient_id.clear();
        row.reason = i % 3 == 0 ? "invalid_address" : i % 3 == 1 ? "duplicate" : "suppressed";
        if (i % 3 == 0) row.address = "=bad" + std::to_string(i);  // a formula, as a list might hold
      } else if (i < 16) {
        row.state = campaigns::RecipientState::refused;
        row.detail = "554 5.7.1 sender not allowed";
      } else if (i < 18) {
        row.state = campaigns::RecipientState::pending;
      }
      rows.push_back(row);
    }
    store.create({"spring-sale", "Spring sale", "spring.toml", "bulk", "b@b.test", "u@b.test", "", 0, 0},
                 rows);
    store.create({"autumn", "", "autumn.toml", "", "b@b.test", "u@b.test", "", 0, 0},
                 {{2, "a1", "x@autumn.test", campaigns::RecipientState::injected, "", "", "Q"}});
    auto created = store.find("spring-sale")->created_at;
    insert_suppression(db, "user2@yahoo.com", "manual", "", created - 1000);  // before: why it was skipped

    for (int i = 0; i < kRows; ++i) {
      const auto& d = kDomains[i % 6];
      std::string address = rows[static_cast<std::size_t>(i)].address;
      ++p.recipients;
      if (i < 12) {
        ++p.skipped, p.state[address] = "skipped";
        continue;
      }
      if (i < 16) {
        ++p.refused, p.state[address] = "refused";
        continue;
      }
      if (i < 18) {
        ++p.pending, p.state[address] = "pending";
        continue;
      }
      std::int64_t at = kT0 + std::int64_t{i} * 7 * 60 * 1000;
      auto event = [&](const std::string& kind, const std::string& result, std::int64_t time,
                       const std::string& reply, const std::string& cls, const std::string& severity) {
        SeedEvent e;
        e.time_ms = time, e.kind = kind, e.result = result, e.recipient = address;
        e.mx_host = kind == "attempt" ? d.mx : "";
        e.reply = reply, e.bounce_class = cls, e.severity = severity;
        e.campaign = "spring-sale", e.recipient_id = "r" + std::to_string(i);
        if (result == "bounced" || result == "expired") ++p.bounce_events;
        insert_event(db, e);
      };
      auto outcome = [&](const char* state) {
        p.state[address] = state;
        if (std::string_view(state) != "queued" && i % 6 == 0) ++p.gmail;
      };
      switch (i % 20) {
        case 11:
          event("attempt", "deferred", at, "451 4.7.1 Greylisted, try again in 300 seconds", "greylisted",
                "soft");
          event("attempt", "delivered", at + 600000, "250 2.0.0 OK", "", "");
          ++p.delivered, outcome("delivered");
          break;
        case 12:
          event("attempt", "delivered", at, "250 2.0.0 OK", "", "");
          event("complaint", "complained", at + 3600000, "", "", "");
          insert_suppression(db, address, "complaint", "arf", created + 10);
          ++p.delivered, ++p.complained, ++p.suppressed, outcome("delivered");
          break;
        case 13:
          event("attempt", "bounced", at,
                "550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 "
                "double-checking the recipient's email address. 550 5.1.1 "
                "https://support.google.com/mail/?p=NoSuchUser "
                "a" +
                    std::to_string(i) + "b7c8si" + std::to_string(900000 + i) + " - gsmtp",
                "invalid-recipient", "hard");
          insert_suppression(db, address, "hard-bounce", "bounce", created + 10);
          ++p.bounced, ++p.hard, ++p.suppressed, outcome("bounced");
          break;
        case 14:
          event("attempt", "delivered", at, "250 2.0.0 OK", "", "");
          event("bounce", "bounced", at + 7200000, "550 5.2.1 <" + address + ">: mailbox disabled",
                "mailbox-disabled", "hard");
          insert_suppression(db, address, "hard-bounce", "dsn", created + 10);
          ++p.bounced, ++p.hard, ++p.suppressed, outcome("bounced");
          break;
        case 15:
          event("attempt", "deferred", at,
                "452 4.2.2 The email account that you tried to reach is over quota", "mailbox-full", "soft");
          event("attempt", "expired", at + 4 * 3600000,
                "452 4.2.2 The email account that you tried to reach is over quota", "mailbox-full", "soft");
          ++p.bounced, ++p.soft, outcome("bounced");
          break;
        case 16:
          event("attempt", "bounced", at,
                i == 56 ? "<script>alert(1)</script> " + spamhaus_reply(i) : spamhaus_reply(i), "spam-block",
                "hard");
          ++p.bounced, ++p.hard, ++p.spam_block, outcome("bounced");
          break;
        case 17:
          event(
              "attempt", "bounced", at,
              "550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail "
              "users, and has been blocked. 550 5.7.26 "
              "https://support.google.com/mail/answer/81126#authentication",
              "policy-auth", "hard");
          ++p.bounced, ++p.hard, ++p.policy_auth, outcome("bounced");
          break;
        case 18:
          event(
              "attempt", "deferred", at,
              i == 38
                  ? "=HYPERLINK(\"http://evil.test\") 421 deferred"
                  : "421 4.7.0 [TSS04] Messages from 203.0.113." + std::to_string(i % 200) +
                        " temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see "
                        "https://postmaster.yahooinc.com/error-codes",
              "rate-limited", "soft");
          ++p.deferred, outcome("deferred");
          break;
        case 19:
          ++p.queued, outcome("queued");
          break;
        default:
          event("attempt", "delivered", at, "250 2.0.0 OK id=" + std::to_string(i), "", "");
          if (i % 20 == 0 && i < 120) {
            insert_suppression(db, address, "unsubscribe", "one-click campaign spring-sale", created + 20);
            ++p.unsubscribed, ++p.suppressed;
          }
          ++p.delivered, outcome("delivered");
      }
    }
  }

  RunResult relayctl(std::vector<std::string> args, const std::filesystem::path& config = {}) {
    args.insert(args.begin(), RELAYCTL_BINARY);
    args.insert(args.end(), {"--config", (config.empty() ? config_ : config).string()});
    return run(args);
  }
  nlohmann::json report_json(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"bounces", "report", "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = relayctl(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return nlohmann::json::parse(result.out);
  }
  static std::filesystem::path write_config(const TempDir& dir, const std::filesystem::path& database) {
    return dir.write("c.toml", "[campaigns]\ndatabase = \"" + database.string() + "\"\n");
  }

  // chromium --headless with a private profile; returns its stdout.
  static RunResult chromium(const std::vector<std::string>& extra, const TempDir& dir) {
    // No name resolves: a request the page made would fail fast (and still be in the net log).
    std::vector<std::string> args{"chromium",
                                  "--headless",
                                  "--no-sandbox",
                                  "--disable-gpu",
                                  "--hide-scrollbars",
                                  "--no-first-run",
                                  "--host-resolver-rules=MAP * ~NOTFOUND",
                                  "--user-data-dir=" + (dir.path() / "profile").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    RunOptions options;
    options.timeout = std::chrono::seconds(90);
    return run(args, options);
  }

  // The URLs a page asked for, from Chromium's net log (tests/support/netlog_requests.py).
  static std::vector<std::string> page_requests(const std::filesystem::path& netlog) {
    auto listed = run(
        {"python3", std::string(RELAY_SOURCE_DIR) + "/tests/support/netlog_requests.py", netlog.string()});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    std::vector<std::string> urls;
    std::istringstream lines(listed.out);
    for (std::string line; std::getline(lines, line);)
      urls.push_back(line);
    return urls;
  }

  static inline TempDir* dir_ = nullptr;
  static inline Plan* plan_ = nullptr;
  std::filesystem::path config_ = write_config(*dir_, dir_->path() / "relayctl.db");
};

TEST_F(BouncesReport, JsonCountsAddUpToWhatWasSeeded) {
  const auto& p = *plan_;
  auto json = report_json({"--campaign", "spring-sale"});
  const auto& c = json["counts"];
  EXPECT_EQ(c["recipients"], kRows);
  EXPECT_EQ(c["delivered"], p.delivered);
  EXPECT_EQ(c["deferred"], p.deferred);
  EXPECT_EQ(c["bounced"], p.bounced);
  EXPECT_EQ(c["hard"], p.hard);
  EXPECT_EQ(c["soft"], p.soft);
  EXPECT_EQ(c["complained"], p.complained);
  EXPECT_EQ(c["unsubscribed"], p.unsubscribed);
  EXPECT_EQ(c["suppressed"], p.suppressed);
  EXPECT_EQ(c["queued"], p.queued);
  EXPECT_EQ(c["skipped"], p.skipped);
  EXPECT_EQ(c["refused"], p.refused);
  EXPECT_EQ(c["pending"], p.pending);
  EXPECT_EQ(c["sent"], p.delivered + p.deferred + p.bounced + p.queued);
  EXPECT_EQ(
      p.recipients,
      p.delivered + p.bounced + p.deferred + p.queued + p.skipped + p.refused + p.pending);  // the plan's own
  EXPECT_TRUE(json["identity"]["adds_up"].get<bool>());
  EXPECT_EQ(json["identity"]["text"],
            std::to_string(kRows) + " recipients = " + std::to_string(p.delivered) + " delivered + " +
                std::to_string(p.bounced) + " bounced + " + std::to_string(p.deferred) + " deferred + " +
                std::to_string(p.queued) + " queued + " + std::to_string(p.skipped) + " skipped + " +
                std::to_string(p.refused) + " refused + " + std::to_string(p.pending) + " pending");
  EXPECT_DOUBLE_EQ(json["rates"]["bounced"].get<double>(),
                   static_cast<double>(p.bounced) / static_cast<double>(c["sent"].get<std::int64_t>()));

  std::map<std::string, nlohmann::json> classes;
  for (const auto& row : json["by_class"])
    classes[row["class"]] = row;
  EXPECT_EQ(classes.size(), 13u);
  EXPECT_EQ(classes["spam-block"]["hard"], p.spam_block);
  EXPECT_TRUE(classes["spam-block"]["about_sender"].get<bool>());
  EXPECT_EQ(classes["policy-auth"]["hard"], p.policy_auth);
  EXPECT_TRUE(classes["policy-auth"]["about_sender"].get<bool>());
  EXPECT_FALSE(classes["mailbox-full"]["about_sender"].get<bool>());
  EXPECT_EQ(classes["rate-limited"]["deferred"], p.deferred);

  std::map<std::string, nlohmann::json> providers;
  for (const auto& row : json["by_provider"])
    providers[row["provider"]] = row;
  EXPECT_EQ(providers.size(), 6u);
  EXPECT_EQ(providers["Gmail / Google Workspace"]["recipients"], p.gmail);
  EXPECT_EQ(json["by_domain"].size(), 6u);

  // 20 different IPs and ids behind one Spamhaus reason: one row.
  bool spamhaus = false;
  for (const auto& r : json["top_replies"])
    if (r["reply"].get<std::string>().starts_with(
            "550 5.7.1 Service unavailable, Client host [<ip>] blocked")) {
      spamhaus = true;
      EXPECT_EQ(r["count"], p.spam_block - 1) << r;  // one carries a <script> in front
      EXPECT_EQ(r["class"], "spam-block");
    }
  EXPECT_TRUE(spamhaus) << json["top_replies"].dump(2);

  EXPECT_EQ(json["over_time"]["bucket"], "hour");
  std::int64_t bounces = 0;
  for (const auto& b : json["over_time"]["buckets"])
    bounces += b["hard"].get<std::int64_t>() + b["soft"].get<std::int64_t>();
  EXPECT_EQ(bounces, p.bounce_events);

  ASSERT_EQ(json["recipients"].size(), static_cast<std::size_t>(kRows));
  std::size_t matched = 0;
  for (const auto& r : json["recipients"]) {
    auto it = p.state.find(r["recipient"]);
    ASSERT_NE(it, p.state.end()) << r;
    EXPECT_EQ(r["state"], it->second) << r;
    matched += r["state"] == it->second;
  }
  EXPECT_EQ(matched, static_cast<std::size_t>(kRows));
}

TEST_F(BouncesReport, CampaignStatusCountsTheSame) {
  auto status = relayctl({"campaign", "status", "spring-sale", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto s = nlohmann::json::parse(status.out);
  const auto& p = *plan_;
  EXPECT_EQ(s["delivered"], p.delivered);
  EXPECT_EQ(s["deferred"], p.deferred);
  EXPECT_EQ(s["bounced"], p.bounced);
  EXPECT_EQ(s["bounced_hard"], p.hard);
  EXPECT_EQ(s["bounced_soft"], p.soft);
  EXPECT_EQ(s["complained"], p.complained);
  EXPECT_EQ(s["unsubscribed"], p.unsubscribed);
  EXPECT_EQ(s["injected"].get<std::int64_t>(), p.delivered + p.deferred + p.bounced + p.queued);
  auto text = relayctl({"campaign", "status", "spring-sale"});
  EXPECT_THAT(text.out, HasSubstr("delivered:     " + std::to_string(p.delivered) + "\n"));
  EXPECT_THAT(text.out, HasSubstr("bounced:       " + std::to_string(p.bounced) + " (hard " +
                                  std::to_string(p.hard) + ", soft " + std::to_string(p.soft) + ")\n"));
  EXPECT_THAT(text.out, Not(HasSubstr("not yet recorded")));
}

TEST_F(BouncesReport, TableShowsTheIdentityAndTheSenderClasses) {
  auto result = relayctl({"bounces", "report", "--campaign", "spring-sale"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto& p = *plan_;
  EXPECT_THAT(result.out, HasSubstr("400 recipients = " + std::to_string(p.delivered) + " delivered + "));
  EXPECT_THAT(result.out, Not(HasSubstr("does not add up")));
  EXPECT_THAT(result.out,
              ::testing::ContainsRegex("spam-block \\*  +" + std::to_string(p.spam_block) + "  +0  +0\n"));
  EXPECT_THAT(result.out,
              ::testing::ContainsRegex("policy-auth \\*  +" + std::to_string(p.policy_auth) + " "));
  EXPECT_THAT(result.out, HasSubstr("Gmail / Google Workspace"));
  EXPECT_THAT(result.out, HasSubstr("bounces over time (per hour)"));
}

TEST_F(BouncesReport, CsvOneRowPerRecipientWithFormulasDefused) {
  auto result = relayctl({"bounces", "report", "--campaign", "spring-sale", "--format", "csv"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream in(result.out);
  campaigns::CsvReader reader(in, {.max_field = 4096, .max_fields = 32});
  campaigns::CsvRecord record;
  ASSERT_TRUE(reader.next(record));
  ASSERT_EQ(record.fields.size(), 16u);
  EXPECT_EQ(record.fields[2], "recipient");
  EXPECT_EQ(record.fields[5], "state");
  std::map<std::string, std::int64_t> states;
  std::size_t rows = 0;
  bool formula_address = false, formula_reply = false;
  while (reader.next(record)) {
    ASSERT_TRUE(record.problem.empty()) << record.problem;
    ASSERT_EQ(record.fields.size(), 16u);
    ++rows, ++states[record.fields[5]];
    for (const auto& field : record.fields)
      EXPECT_FALSE(!field.empty() &&
                   (field[0] == '=' || field[0] == '+' || field[0] == '-' || field[0] == '@'))
          << field;
    formula_address |= record.fields[2].starts_with("'=bad");
    formula_reply |= record.fields[12].starts_with("'=HYPERLINK");
  }
  const auto& p = *plan_;
  EXPECT_EQ(rows, static_cast<std::size_t>(kRows));
  EXPECT_EQ(states["delivered"], p.delivered);
  EXPECT_EQ(states["bounced"], p.bounced);
  EXPECT_EQ(states["deferred"], p.deferred);
  EXPECT_EQ(states["skipped"], p.skipped);
  EXPECT_TRUE(formula_address);
  EXPECT_TRUE(formula_reply);
}

TEST_F(BouncesReport, FiltersByDomainAndTime) {
  auto gmail = report_json({"--campaign", "spring-sale", "--domain", "GMAIL.com"});
  auto at_gmail = std::count_if(plan_->state.begin(), plan_->state.end(),
                                [](const auto& entry) { return entry.first.ends_with("@gmail.com"); });
  EXPECT_GT(at_gmail, 60);
  EXPECT_EQ(gmail["counts"]["recipients"], at_gmail);
  for (const auto& r : gmail["recipients"])
    EXPECT_EQ(r["domain"], "gmail.com");
  EXPECT_TRUE(gmail["identity"]["adds_up"].get<bool>());

  // Without a campaign, before any event: nothing.
  auto before = report_json({"--until", "2024-05-01T07:00:00Z"});
  EXPECT_EQ(before["events"], 0);
  EXPECT_EQ(before["counts"]["recipients"], 0);
  auto after = report_json({"--since", "2024-05-01T08:00:00Z"});
  EXPECT_EQ(after["counts"]["recipients"], plan_->delivered + plan_->bounced + plan_->deferred);
}

TEST_F(BouncesReport, HtmlRendersInChromiumWithoutNetworkAtPhoneAndDesktopWidths) {
  auto html_path = dir_->path() / "out" / "report.html";
  std::filesystem::create_directories(html_path.parent_path());
  auto result = relayctl(
      {"bounces", "report", "--campaign", "spring-sale", "--format", "html", "--output", html_path.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "");
  EXPECT_THAT(result.err, HasSubstr("report written to " + html_path.string()));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(html_path.parent_path()), {}),
            1);  // no temp left

  std::ifstream file(html_path);
  std::string html((std::istreambuf_iterator<char>(file)), {});
  // Nothing that could load a resource; outside text escaped.
  EXPECT_THAT(html, HasSubstr("content=\"default-src 'none'; style-src 'unsafe-inline'\""));
  for (const char* loader : {"<script", "src=", "href=", "url(", "@import", "<link", "<img", "<iframe"})
    EXPECT_THAT(html, Not(HasSubstr(loader))) << loader;
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("<meta name=\"viewport\""));

  TempDir browser;
  auto netlog = browser.path() / "net.json";
  auto dom =
      chromium({"--log-net-log=" + netlog.string(), "--dump-dom", "file://" + html_path.string()}, browser);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_THAT(page_requests(netlog), ::testing::IsEmpty());
  const auto& p = *plan_;
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = dom.out.find(needle); at != std::string::npos; at = dom.out.find(needle, at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("<svg class=\"chart\""), 3u);  // by class, by provider, over time
  auto card = [&](const std::string& name, std::int64_t value) {
    return "data-count=\"" + name + "\"><span class=\"n\">" + std::to_string(value) + "</span>";
  };
  EXPECT_THAT(dom.out, HasSubstr(card("delivered", p.delivered)));
  EXPECT_THAT(dom.out, HasSubstr(card("bounced", p.bounced)));
  EXPECT_THAT(dom.out, HasSubstr(card("complained", p.complained)));
  EXPECT_THAT(dom.out, HasSubstr(card("unsubscribed", p.unsubscribed)));
  EXPECT_THAT(
      dom.out,
      HasSubstr("<tr data-class=\"spam-block\"><td class=\"sender\">spam-block (about the sender)</td>"
                "<td>" +
                std::to_string(p.spam_block) + "</td>"));
  EXPECT_EQ(count("<tr data-name="), 12u);  // six providers, six domains
  EXPECT_THAT(dom.out, HasSubstr("<g class=\"bar\" data-label=\"Gmail / Google Workspace\" data-total=\"" +
                                 std::to_string(p.gmail) + "\""));
  EXPECT_THAT(dom.out, Not(HasSubstr("<script")));
  EXPECT_THAT(dom.out, Not(::testing::ContainsRegex("(src|href)=\"https?:")));

  for (const auto& [name, width, height] : std::initializer_list<std::tuple<const char*, int, int>>{
           {"phone", 390, 1400}, {"desktop", 1280, 1400}}) {
    auto png = browser.path() / (std::string(name) + ".png");
    auto shot = chromium({"--screenshot=" + png.string(),
                          "--window-size=" + std::to_string(width) + "," + std::to_string(height),
                          "file://" + html_path.string()},
                         browser);
    ASSERT_EQ(shot.exit_code, 0) << shot.err;
    ASSERT_TRUE(std::filesystem::exists(png)) << shot.err;
    auto stats =
        run({"python3", std::string(RELAY_SOURCE_DIR) + "/tests/support/png_stats.py", png.string()});
    ASSERT_EQ(stats.exit_code, 0) << stats.err;
    std::istringstream fields(stats.out);
    int w = 0, h = 0, colours = 0;
    double coloured = 0;
    fields >> w >> h >> colours >> coloured;
    EXPECT_EQ(w, width) << name;
    EXPECT_EQ(h, height) << name;
    EXPECT_GT(colours, 50) << name << ": " << stats.out;     // text, bars in several colours, cards
    EXPECT_GT(coloured, 10.0) << name << ": " << stats.out;  // not a blank page
    if (const char* keep = std::getenv("RELAY_REPORT_SCREENSHOTS"))
      std::filesystem::copy_file(
          png,
          std::filesystem::path(keep) /
              (std::string_view(name) == "phone" ? "bounces-report-phone.png" : "bounces-report.png"),
          std::filesystem::copy_options::overwrite_existing);
  }
}

// The net-log check above is not vacuous: a page with an image from the network shows up in it.
TEST_F(BouncesReport, NetLogShowsAPageThatLoadsSomething) {
  TempDir browser;
  auto page =
      browser.write("remote.html", "<!DOCTYPE html><p>x</p><img src=\"http://report-test.invalid/x.png\">");
  auto netlog = browser.path() / "net.json";
  auto dom = chromium({"--log-net-log=" + netlog.string(), "--dump-dom", "file://" + page.string()}, browser);
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_THAT(page_requests(netlog), ::testing::ElementsAre("http://report-test.invalid/x.png"));
}

TEST_F(BouncesReport, UnknownCampaignNamesTheKnownOnes) {
  auto result = relayctl({"bounces", "report", "--campaign", "winter"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("no campaign 'winter'"));
  EXPECT_THAT(result.err, HasSubstr("spring-sale"));
  EXPECT_THAT(result.err, HasSubstr("autumn"));
  EXPECT_EQ(result.out, "");
}

TEST_F(BouncesReport, BadFlagsNameTheFlagAndTheForm) {
  auto since = relayctl({"bounces", "report", "--since", "yesterday"});
  EXPECT_EQ(since.exit_code, 2);
  EXPECT_THAT(since.err, HasSubstr("--since 'yesterday' is not a time"));
  EXPECT_THAT(since.err, HasSubstr("RFC 3339"));
  EXPECT_THAT(since.err, HasSubstr("7d"));
  auto until = relayctl({"bounces", "report", "--until", "2024-13-01T00:00:00Z"});
  EXPECT_EQ(until.exit_code, 2);
  EXPECT_THAT(until.err, HasSubstr("--until"));
  auto format = relayctl({"bounces", "report", "--format", "pdf"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_THAT(format.err, HasSubstr("table, csv, json or html"));
  auto order =
      relayctl({"bounces", "report", "--since", "2024-05-02T00:00:00Z", "--until", "2024-05-01T00:00:00Z"});
  EXPECT_EQ(order.exit_code, 2);
  EXPECT_THAT(order.err, HasSubstr("--until must be later than --since"));
  auto output =
      relayctl({"bounces", "report", "--output", (dir_->path() / "no" / "such" / "dir.txt").string()});
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_THAT(output.err, HasSubstr("cannot write"));
}

TEST_F(BouncesReport, EmptyDatabaseInEveryFormat) {
  TempDir empty;
  auto config = write_config(empty, empty.path() / "relayctl.db");
  auto table = relayctl({"bounces", "report"}, config);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("no events"));
  EXPECT_THAT(table.out, HasSubstr("0 recipients = 0 delivered + 0 bounced + 0 deferred"));
  auto json = relayctl({"bounces", "report", "--format", "json"}, config);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["counts"]["recipients"], 0);
  EXPECT_TRUE(parsed["rates"]["bounced"].is_null());
  EXPECT_TRUE(parsed["recipients"].empty());
  auto csv = relayctl({"bounces", "report", "--format", "csv"}, config);
  EXPECT_EQ(csv.out.substr(0, csv.out.find("\r\n")),
            "campaign,recipient_id,recipient,domain,provider,state,severity,"
            "class,about_sender,complained,suppression,enhanced_code,reply,"
            "mx_host,time,detail");
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 1);
  auto html = relayctl({"bounces", "report", "--format", "html"}, config);
  EXPECT_THAT(html.out, HasSubstr("id=\"no-events\""));
  EXPECT_THAT(html.out, Not(HasSubstr("nan")));
}

// A database last written by a relayctl before the delivery events (schema 2): migrated when opened.
TEST_F(BouncesReport, DatabaseAtSchemaTwoIsMigrated) {
  std::ifstream source(std::string(RELAY_SOURCE_DIR) + "/campaigns/store/schema.cpp");
  std::string schema((std::istreambuf_iterator<char>(source)), {});
  std::string sql;
  for (const char* name : {"kVersion1 = R\"sql(", "kVersion2 = R\"sql("}) {
    auto start = schema.find(name);
    ASSERT_NE(start, std::string::npos) << name;
    start += std::string_view(name).size();
    sql += schema.substr(start, schema.find(")sql\"", start) - start);
  }
  sql +=
      "INSERT INTO campaigns VALUES ('old', '', 'old.toml', '', 'b@b.test', 'u@b.test', 'done', 1, 1);\n"
      "INSERT INTO recipients VALUES ('old', 2, 'r1', 'a@x.test', 'injected', '', '', 'Q1', 1);\n"
      "PRAGMA user_version = 2;\n";
  TempDir old;
  auto database = old.path() / "relayctl.db";
  RunOptions options;
  options.input = sql;
  auto created = run({"sqlite3", database.string()}, options);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto config = write_config(old, database);
  auto report = relayctl({"bounces", "report", "--campaign", "old", "--format", "json"}, config);
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto json = nlohmann::json::parse(report.out);
  EXPECT_EQ(json["counts"]["recipients"], 1);
  EXPECT_EQ(json["counts"]["queued"], 1);
  auto version = run({"sqlite3", database.string(), "PRAGMA user_version"});
  EXPECT_EQ(version.out, "3\n");
}

}  // namespace
