// Bounces end to end, through the real binaries: a campaign of 2,000 recipients (and bad rows) sent with
// `relayctl campaign send` into `relayctl serve`, which delivers to a receiving server on loopback
// (tests/support/behaviour_sink.py) that accepts most, defers some once then accepts, defers some every
// time, and rejects others with the texts Gmail, GMX, Comcast and Spamhaus-based blocks really send.
// Then the remote side writes back to the bounce domain through the inbound listener: DSNs for mail it
// had accepted (a user unknown, a full mailbox), ARF complaints, forged DSNs (a token altered), a DSN
// whose true token names a campaign the database does not have, and out-of-office replies.
// Checked: `bounces report --json` adds up exactly (recipients = delivered + bounced + still deferred +
// skipped), each class has its count, hard bounces and complaints are suppressed and nothing else is,
// forged and unknown bounces change nothing (counted in relayctl_bounce_messages_total), `campaign status`
// shows the same counts, relayctl sends no DSN of its own for campaign mail (the event replaces it), and
// the HTML report is written.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaigns/tokens/token_secret.hpp"
#include "campaigns/tokens/verp.hpp"
#include "tests/support/behaviour_sink.hpp"
#include "tests/support/bounce_mail.hpp"
#include "tests/support/campaign_seed.hpp"
#include "tests/support/campaign_send.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

// word -> (recipients, the reply they get at RCPT). Real texts: Gmail's SMTP error reference, GMX's,
// Comcast's, a Spamhaus-listed client refused by a Postfix receiver.
struct Behaviour {
  std::string word;
  std::size_t count;
  std::string reply;  // "" for the sink's own behaviours (accept, once, tempfail)
};

const std::vector<Behaviour> kBehaviours = {
    {"accept", 1700, ""},
    {"once", 100, ""},
    {"tempfail", 20, ""},
    {"gmailnouser", 60,
     "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
     "550-5.1.1 double-checking the recipient's email address for typos or\n"
     "550-5.1.1 unnecessary spaces. For more information, go to\n"
     "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser d2e1a72fcca58-7b2c9a1f3sor123456b3a.12 - gsmtp"},
    {"gmaildisabled", 20,
     "550-5.2.1 The email account that you tried to reach is disabled. For more\n"
     "550 5.2.1 information, go to https://support.google.com/mail/?p=DisabledUser a1si123456qkb.91 - gsmtp"},
    {"gmxfull", 20, "552 5.2.2 Mailbox full: quota exceeded (mxgmx017)"},
    {"comcastnouser", 20, "552 5.1.1 <comcastnouser@dest.test> Recipient address rejected: User unknown"},
    {"spamhaus", 20,
     "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; "
     "https://www.spamhaus.org/query/ip/127.0.0.1"},
    {"dmarc", 20,
     "550-5.7.26 This mail is unauthenticated, which poses a security risk to the\n"
     "550-5.7.26 sender and Gmail users, and has been blocked. The sender must\n"
     "550-5.7.26 authenticate with at least one of SPF or DKIM. For this message,\n"
     "550 5.7.26 DKIM checks did not pass and SPF check for [example.com] did not pass - gsmtp"},
};

std::string address_of(const std::string& word, std::size_t i) {
  return word + std::to_string(i) + "@dest.test";
}

struct Files {
  TempDir dir;
  std::filesystem::path campaign;
  std::size_t good = 0;
};

void write_campaign(Files& files) {
  std::ostringstream csv;
  csv << "email,first_name\r\n";
  for (const auto& b : kBehaviours)
    for (std::size_t i = 0; i < b.count; ++i, ++files.good) csv << address_of(b.word, i) << ",N" << i << "\r\n";
  csv << "not-an-address,X\r\n";      // skipped: invalid
  csv << "ACCEPT0@dest.test,Again\r\n";  // skipped: a repeat (domain and local part compared as a campaign does)
  files.dir.write("news.txt", "Hi {{first_name}},\n\nnews.\n");
  files.dir.write("list.csv", csv.str());
  files.campaign = files.dir.write("campaign.toml",
                                   "id = \"autumn\"\n"
                                   "from = \"Example News <news@example.com>\"\n"
                                   "subject = \"Hello {{first_name}}\"\n"
                                   "text_template = \"news.txt\"\n"
                                   "recipients = \"list.csv\"\n"
                                   "bounce_address = \"bounces@bounce.example.com\"\n"
                                   "list_id = \"news.example.com\"\n"
                                   "[unsubscribe]\n"
                                   "url = \"https://example.com/u\"\n"
                                   "mailto = \"unsubscribe@example.com\"\n"
                                   "[feedback_id]\n"
                                   "sender = \"example\"\n");
}

// Sends one message from the null sender to `to` at the daemon's inbound listener; the final reply.
std::string deliver_back(unsigned short port, const std::string& to, const std::string& message) {
  SmtpClient client;
  if (!client.connect(port)) return "no connection";
  client.reply();
  client.command("EHLO mx.remote.test");
  client.command("MAIL FROM:<>");
  std::string rcpt = client.command("RCPT TO:<" + to + ">");
  if (reply_code(rcpt) != 250) return rcpt;
  client.command("DATA");
  std::string stuffed;
  std::istringstream in(message);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    stuffed += (line.starts_with(".") ? "." : "") + line + "\r\n";
  }
  client.send(stuffed + ".\r\n");
  std::string reply = client.reply();
  client.command("QUIT");
  return reply;
}

nlohmann::json report_json(const SmtpDaemon& daemon) {
  auto run = daemon.relayctl({"bounces", "report", "--campaign", "autumn", "--format", "json"});
  if (run.exit_code != 0) return nullptr;
  return nlohmann::json::parse(run.out, nullptr, false);
}

std::set<std::string> suppressed_targets(const SmtpDaemon& daemon) {
  auto run = daemon.relayctl({"suppress", "list", "--json"});
  std::set<std::string> out;
  auto json = nlohmann::json::parse(run.out, nullptr, false);
  if (!json.is_array()) return out;
  for (const auto& entry : json) out.insert(entry["address"].get<std::string>());
  return out;
}

long by_class(const nlohmann::json& report, const std::string& name, const std::string& severity) {
  for (const auto& row : report["by_class"])
    if (row["class"] == name) return row[severity].get<long>();
  return 0;
}

TEST(BouncesEndToEnd, CampaignBouncesComplaintsAndForgeriesAddUp) {
  BehaviourSinkOptions sink_options;
  for (const auto& b : kBehaviours)
    if (!b.reply.empty()) sink_options.replies[b.word] = b.reply;
  BehaviourSink sink(sink_options);
  TempDir keys;
  auto daemon = campaign_daemon(sink.port(), keys, "retry_initial = \"1s\"\nretry_max = \"2s\"\n");
  unsigned short metrics = enable_metrics_listener(*daemon);
  ASSERT_TRUE(daemon->start()) << daemon->log();
  Files files;
  write_campaign(files);

  auto sent = daemon->relayctl({"campaign", "send", files.campaign.string()});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;

  // Until every recipient but the always-deferred has its final outcome.
  nlohmann::json report;
  auto deadline = std::chrono::steady_clock::now() + 90s;
  while (std::chrono::steady_clock::now() < deadline) {
    report = report_json(*daemon);
    if (report.is_object() && report["counts"]["delivered"] == 1800 && report["counts"]["bounced"] == 160 &&
        report["counts"]["deferred"] == 20)
      break;
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_TRUE(report.is_object()) << daemon->log();
  ASSERT_EQ(report["counts"]["delivered"], 1800) << report["counts"].dump();
  ASSERT_EQ(report["counts"]["bounced"], 160) << report["counts"].dump();

  // What the receiving server got: the accepted mail, each message with its VERP return path.
  std::map<std::string, std::string> return_path;  // recipient -> its message's return path
  for (const auto& m : sink.messages())
    for (const auto& r : m.recipients) return_path[r] = m.sender;
  ASSERT_EQ(return_path.size(), 1800u);
  // relayctl sent no DSN of its own for the campaign's bounces (its events replace them).
  for (const auto& m : sink.messages()) EXPECT_FALSE(m.sender.empty()) << m.data.substr(0, 300);

  // The remote side writes back.
  auto original = [&](const std::string& to) {
    return ReturnedMessage{return_path.at(to), to, "<" + to + "@example.com>", "Hello"};
  };
  std::size_t n = 0;
  auto next_id = [&n](const std::string& kind) { return "<" + kind + std::to_string(++n) + "@remote.test>"; };
  for (std::size_t i = 0; i < 15; ++i) {  // accepted, then bounced: the user is unknown after all
    auto to = address_of("accept", i);
    EXPECT_THAT(deliver_back(daemon->inbound_port(), return_path.at(to),
                             make_dsn(original(to), "mx.dest.test", "5.1.1",
                                      "smtp; 550 5.1.1 <" + to + ">: Recipient address rejected: User unknown",
                                      next_id("dsn"))),
                HasSubstr("250"));
  }
  for (std::size_t i = 15; i < 20; ++i) {  // a full mailbox, reported later: soft, not suppressed
    auto to = address_of("accept", i);
    EXPECT_THAT(deliver_back(daemon->inbound_port(), return_path.at(to),
                             make_dsn(original(to), "mx.dest.test", "5.2.2",
                                      "smtp; 552 5.2.2 Mailbox full", next_id("dsn"))),
                HasSubstr("250"));
  }
  // The same DSN twice: recorded once.
  {
    auto to = address_of("accept", 0);
    EXPECT_THAT(deliver_back(daemon->inbound_port(), return_path.at(to),
                             make_dsn(original(to), "mx.dest.test", "5.1.1", "smtp; 550 5.1.1 unknown", "<dsn1@remote.test>")),
                HasSubstr("250"));
  }
  for (std::size_t i = 100; i < 110; ++i) {  // complaints through a feedback loop (to fbl@, not the VERP)
    auto to = address_of("accept", i);
    EXPECT_THAT(deliver_back(daemon->inbound_port(), return_path.at(to), make_arf(original(to), next_id("arf"))),
                HasSubstr("250"));
  }
  std::set<std::string> forged_targets;
  for (std::size_t i = 200; i < 205; ++i) {  // forged: the token's MAC altered by one character
    auto to = address_of("accept", i);
    std::string forged = return_path.at(to);
    auto at = forged.find('@');
    forged[at - 1] = forged[at - 1] == 'a' ? 'b' : 'a';
    forged_targets.insert(to);
    auto fake = original(to);
    fake.return_path = forged;
    EXPECT_THAT(deliver_back(daemon->inbound_port(), forged,
                             make_dsn(fake, "mx.dest.test", "5.1.1", "smtp; 550 5.1.1 unknown", next_id("forged"))),
                HasSubstr("250"));
  }
  {  // a true token of a campaign the database does not have
    auto secret = campaigns::TokenSecret::load(keys.path() / "token.secret");
    ASSERT_TRUE(secret.secret) << secret.error;
    auto bounce = campaigns::BounceAddress::parse("bounces@bounce.example.com");
    auto ghost = campaigns::verp_address(*secret.secret, *bounce, *campaigns::CampaignId::parse("ghost"),
                                         *campaigns::RecipientId::parse("1"));
    ReturnedMessage fake{ghost, "accept300@dest.test", "<ghost@example.com>", "Hello"};
    EXPECT_THAT(deliver_back(daemon->inbound_port(), ghost,
                             make_dsn(fake, "mx.dest.test", "5.1.1", "smtp; 550 5.1.1 unknown", next_id("ghost"))),
                HasSubstr("250"));
  }
  for (std::size_t i = 400; i < 403; ++i) {  // out of office: not a bounce
    auto to = address_of("accept", i);
    EXPECT_THAT(deliver_back(daemon->inbound_port(), return_path.at(to), make_auto_reply(original(to), next_id("ooo"))),
                HasSubstr("250"));
  }

  report = report_json(*daemon);
  ASSERT_TRUE(report.is_object());
  const auto& c = report["counts"];
  EXPECT_EQ(c["recipients"], files.good + 2) << c.dump();
  EXPECT_EQ(c["delivered"], 1800 - 20) << c.dump();
  EXPECT_EQ(c["bounced"], 160 + 20) << c.dump();
  EXPECT_EQ(c["deferred"], 20) << c.dump();
  EXPECT_EQ(c["skipped"], 2) << c.dump();
  EXPECT_EQ(c["complained"], 10) << c.dump();
  EXPECT_EQ(c["delivered"].get<long>() + c["bounced"].get<long>() + c["deferred"].get<long>() +
                c["skipped"].get<long>(),
            c["recipients"].get<long>());
  EXPECT_EQ(report["identity"]["adds_up"], true) << report["identity"].dump();

  EXPECT_EQ(by_class(report, "invalid-recipient", "hard"), 60 + 20 + 15) << report["by_class"].dump();
  EXPECT_EQ(by_class(report, "mailbox-disabled", "hard"), 20) << report["by_class"].dump();
  EXPECT_EQ(by_class(report, "mailbox-full", "soft"), 20 + 5) << report["by_class"].dump();
  EXPECT_EQ(by_class(report, "spam-block", "hard") + by_class(report, "spam-block", "soft"), 20);
  EXPECT_EQ(by_class(report, "policy-auth", "hard") + by_class(report, "policy-auth", "soft"), 20);

  // Suppressed: hard bounces of a recipient (unknown, disabled) and complaints; never the sender's
  // problems (spam-block, policy-auth), a soft bounce in one campaign, or what a forger named.
  auto suppressed = suppressed_targets(*daemon);
  for (std::size_t i = 0; i < 60; ++i) EXPECT_TRUE(suppressed.contains(address_of("gmailnouser", i)));
  for (std::size_t i = 0; i < 20; ++i) {
    EXPECT_TRUE(suppressed.contains(address_of("gmaildisabled", i)));
    EXPECT_TRUE(suppressed.contains(address_of("comcastnouser", i)));
    EXPECT_FALSE(suppressed.contains(address_of("spamhaus", i)));
    EXPECT_FALSE(suppressed.contains(address_of("dmarc", i)));
    EXPECT_FALSE(suppressed.contains(address_of("gmxfull", i)));
    EXPECT_FALSE(suppressed.contains(address_of("tempfail", i)));
  }
  for (std::size_t i = 0; i < 15; ++i) EXPECT_TRUE(suppressed.contains(address_of("accept", i)));
  for (std::size_t i = 15; i < 20; ++i) EXPECT_FALSE(suppressed.contains(address_of("accept", i)));
  for (std::size_t i = 100; i < 110; ++i) EXPECT_TRUE(suppressed.contains(address_of("accept", i)));
  for (const auto& to : forged_targets) EXPECT_FALSE(suppressed.contains(to));
  EXPECT_EQ(suppressed.size(), 60u + 20 + 20 + 15 + 10) << "suppressed more than the hard bounces and complaints";

  auto text = get_metrics(metrics);
  EXPECT_THAT(text, HasSubstr("relayctl_bounce_messages_total{kind=\"dsn\",outcome=\"recorded\"} 21\n"));
  EXPECT_THAT(text, HasSubstr("relayctl_bounce_messages_total{kind=\"dsn\",outcome=\"forged\"} 5\n"));
  EXPECT_THAT(text, HasSubstr("relayctl_bounce_messages_total{kind=\"dsn\",outcome=\"unknown-campaign\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("relayctl_bounce_messages_total{kind=\"arf\",outcome=\"recorded\"} 10\n"));
  EXPECT_THAT(text, HasSubstr("relayctl_bounce_messages_total{kind=\"auto-reply\",outcome=\"ignored\"} 3\n"));
  // 60 + 20 + 20 recipients at delivery, 15 by DSN; 10 complaints.
  EXPECT_THAT(text, HasSubstr("relayctl_bounce_suppressions_total{reason=\"hard-bounce\"} 115\n"));
  EXPECT_THAT(text, HasSubstr("relayctl_bounce_suppressions_total{reason=\"complaint\"} 10\n"));

  // campaign status shows the same counts, from the same events.
  auto status = daemon->relayctl({"campaign", "status", "autumn", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  auto status_json = nlohmann::json::parse(status.out);
  EXPECT_EQ(status_json["delivered"], 1780) << status.out;
  EXPECT_EQ(status_json["complained"], 10) << status.out;

  // The HTML report, one self-contained file.
  auto html_path = keys.path() / "report.html";
  auto html = daemon->relayctl({"bounces", "report", "--campaign", "autumn", "--format", "html", "--output",
                                html_path.string()});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  std::ifstream in(html_path);
  std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(page, HasSubstr("<svg"));
  EXPECT_THAT(page, HasSubstr("invalid-recipient"));
  EXPECT_EQ(daemon->stop(), 0) << daemon->log();
}

}  // namespace
