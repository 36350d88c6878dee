// `relayctl preflight --campaign FILE` against nsd serving tests/fixtures/dns (campaign.test, the blocklist
// uribl.campaign.test): a good campaign passes, checked from its pool's source only, with its From and
// bounce domains and the sampled recipient named; a campaign without a pool gets the pool the sender rules
// give its return path, or every source when nothing names one; a link to a listed domain fails with the
// listing and the fix; an unknown pool, a campaign file with a syntax error, a CSV with no usable row, a
// missing token secret and conflicting flags are usage errors.
#include <filesystem>
#include <sys/stat.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using relay::test::fixture_zone;
using relay::test::run;
using ::testing::HasSubstr;

const std::string kCampaign =
    "id = \"spring-24\"\n"                                                     // 1
    "name = \"Spring news\"\n"                                                 // 2
    "from = \"Campaign News <news@campaign.test>\"\n"                          // 3
    "subject = \"Hello {{first_name}}{{^first_name}}there{{/first_name}}\"\n"  // 4
    "text_template = \"news.txt\"\n"                                           // 5
    "html_template = \"news.html\"\n"                                          // 6
    "recipients = \"list.csv\"\n"                                              // 7
    "pool = \"bulk\"\n"                                                        // 8
    "bounce_address = \"bounces@bounce.campaign.test\"\n"                      // 9
    "list_id = \"spring.news.campaign.test\"\n"                                // 10
    "[unsubscribe]\n"                                                          // 11
    "url = \"https://campaign.test/u\"\n"                                      // 12
    "mailto = \"unsubscribe@campaign.test\"\n"                                 // 13
    "[feedback_id]\n"                                                          // 14
    "sender = \"campaign\"\n";                                                 // 15

const std::string kHtml =
    "<html><body><p>Hi {{first_name}}{{^first_name}}there{{/first_name}},</p>"
    "<p><a href=\"https://www.campaign.test/spring\">Our spring offer</a></p>"
    "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p></body></html>\n";

class PreflightCampaign : public ::testing::Test {
 protected:
  PreflightCampaign() {
    auto key = dir.path() / "s1.pem";
    std::filesystem::copy_file(std::filesystem::path(RELAY_FIXTURES_DIR) / "dkim" / "rsa2048.pem", key);
    ::chmod(key.c_str(), 0600);
    auto secret = dir.write("token.secret", "0123456789abcdef0123456789abcdef-preflight");
    ::chmod(secret.c_str(), 0600);
    config_text =
        "[server]\nhostname = \"mail.good.preflight.test\"\n"
        "[[delivery.source]]\nname = \"bulk1\"\naddress = \"203.0.113.10\"\nehlo = "
        "\"mail.good.preflight.test\"\n"
        "[[delivery.source]]\nname = \"other1\"\naddress = \"203.0.113.66\"\nehlo = "
        "\"mail.bad.preflight.test\"\n"
        "[[delivery.pool]]\nname = \"bulk\"\nsources = [{ name = \"bulk1\" }]\n"
        "[[delivery.pool]]\nname = \"other\"\nsources = [{ name = \"other1\" }]\n"
        "[[dkim.sign]]\nfrom = \"campaign.test\"\nselector = \"s1\"\nkey = \"" +
        key.string() +
        "\"\n"
        "[campaigns]\ndatabase = \"" +
        (dir.path() / "relayctl.db").string() + "\"\ntoken_secret_file = \"" + secret.string() + "\"\n";
    config = dir.write("relayctl.toml", config_text);
    dir.write("news.txt",
              "Hi {{first_name}}{{^first_name}}there{{/first_name}},\n"
              "our spring offer: https://www.campaign.test/spring\n");
    dir.write("news.html", kHtml);
    dir.write("list.csv", "email,first_name\nnot-an-address,X\njane@example.com,Jane\nbob@example.com,Bob\n");
    campaign = dir.write("campaign.toml", kCampaign);
  }

  relay::test::RunResult preflight(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{RELAYCTL_BINARY,
                                  "preflight",
                                  "--json",
                                  "--nameserver",
                                  nsd.address(),
                                  "--dns-timeout",
                                  "2",
                                  "--config",
                                  config.string(),
                                  "--no-tls",
                                  "--ip-list",
                                  "zen.spamhaus.org",
                                  "--domain-list",
                                  "uribl.campaign.test",
                                  "--campaign",
                                  campaign.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
  }
  static nlohmann::json parsed(const relay::test::RunResult& r) {
    auto out = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(out.is_discarded()) << r.out << r.err;
    return out;
  }
  static nlohmann::json finding(const nlohmann::json& out, const std::string& check,
                                const std::string& subject) {
    for (const auto& f : out["findings"])
      if (f["check"] == check && f["subject"] == subject) return f;
    ADD_FAILURE() << "no finding " << check << " " << subject << " in " << out.dump(2);
    return nlohmann::json{{"status", ""}, {"detail", ""}, {"fix", ""}};
  }
  // Whether a finding is about this (its subject names it).
  static bool checked(const nlohmann::json& out, const std::string& text) {
    for (const auto& f : out["findings"])
      if (f["subject"].get<std::string>().find(text) != std::string::npos) return true;
    return false;
  }

  relay::test::NsdServer nsd{{fixture_zone("campaign.test"), fixture_zone("preflight.test"),
                              fixture_zone("113.0.203.in-addr.arpa"), fixture_zone("zen.spamhaus.org"),
                              fixture_zone("uribl.campaign.test")}};
  relay::test::TempDir dir;
  std::string config_text;
  std::filesystem::path config, campaign;
};

TEST_F(PreflightCampaign, GoodCampaignPassesFromItsPoolAndNamesTheSample) {
  auto r = preflight();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto out = parsed(r);
  auto sample = finding(out, "campaign", "spring-24");
  EXPECT_EQ(sample["status"], "pass");
  const std::string detail = sample["detail"];
  EXPECT_THAT(detail, HasSubstr("rendered list.csv:3 jane@example.com (recipient id "));
  EXPECT_THAT(detail, HasSubstr("after 1 unusable row"));
  EXPECT_THAT(detail, HasSubstr("MAIL FROM bounces+spring-24."));
  EXPECT_THAT(detail, HasSubstr("pool bulk: sources bulk1"));
  // The rendered message's checks, each saying which recipient it was.
  for (const char* subject : {"List-Unsubscribe", "List-Unsubscribe-Post", "visible link"}) {
    auto f = finding(out, "unsubscribe", subject);
    EXPECT_EQ(f["status"], "pass") << f;
    EXPECT_THAT(f["detail"].get<std::string>(), HasSubstr("sample list.csv:3 jane@example.com: "));
  }
  EXPECT_EQ(finding(out, "message-format", "header")["status"], "pass");
  // The pool's source only: the other pool's 203.0.113.66 (PBL-listed, broken PTR) is not checked.
  EXPECT_EQ(finding(out, "rdns", "203.0.113.10")["status"], "pass");
  EXPECT_EQ(finding(out, "static-ip", "bulk1 203.0.113.10")["status"], "warn");  // not on this host
  EXPECT_FALSE(checked(out, "203.0.113.66"));
  // From and bounce domains: SPF for both, DKIM from the sign table, DMARC aligned both ways.
  EXPECT_EQ(finding(out, "spf", "campaign.test from 203.0.113.10")["status"], "pass");
  EXPECT_EQ(finding(out, "spf", "bounce.campaign.test from 203.0.113.10")["status"], "pass");
  EXPECT_EQ(finding(out, "dkim", "s1._domainkey.campaign.test")["status"], "pass");
  auto alignment = finding(out, "dmarc-alignment", "campaign.test");
  EXPECT_EQ(alignment["status"], "pass");
  EXPECT_THAT(alignment["detail"].get<std::string>(), HasSubstr("SPF aligned via bounce.campaign.test"));
  EXPECT_EQ(finding(out, "mx", "bounce.campaign.test")["status"], "pass");
  EXPECT_EQ(finding(out, "dnsbl", "campaign.test @ uribl.campaign.test")["status"], "pass");
  EXPECT_EQ(finding(out, "bulk-rules", "one-click-unsubscribe")["status"], "pass");
  for (const auto& f : out["findings"]) {
    EXPECT_NE(f["status"], "fail") << f.dump();
    EXPECT_NE(f["status"], "error") << f.dump();
  }

  // The table names the sample too.
  std::vector<std::string> argv{RELAYCTL_BINARY, "preflight",      "--nameserver", nsd.address(),
                                "--config",      config.string(),  "--no-tls",     "--no-blocklists",
                                "--campaign",    campaign.string()};
  auto table = run(argv);
  EXPECT_EQ(table.exit_code, 0) << table.out << table.err;
  EXPECT_THAT(table.out, HasSubstr("spring-24"));
  EXPECT_THAT(table.out, HasSubstr("rendered list.csv:3 jane@example.com"));
}

TEST_F(PreflightCampaign, ListedLinkDomainFailsWithTheListingAndTheFix) {
  dir.write("news.html",
            "<html><body><p>Hi {{first_name}}{{^first_name}}there{{/first_name}},</p>"
            "<p><a href=\"https&#58;//click.SPAMMY-LINKS.example/offer?r=1\">Offer</a></p>"
            "<p><img src=\"http://192.0.2.7/open.gif\"></p>"
            "<p><a href=\"{{unsubscribe_url}}\">Unsubscribe</a></p></body></html>\n");
  auto r = preflight();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto out = parsed(r);
  // The link host's registrable domain is what the list is asked about.
  auto listed = finding(out, "dnsbl", "spammy-links.example @ uribl.campaign.test");
  EXPECT_EQ(listed["status"], "fail");
  EXPECT_THAT(listed["detail"].get<std::string>(), HasSubstr("the message links to spammy-links.example"));
  EXPECT_THAT(listed["detail"].get<std::string>(), HasSubstr("seen in spam runs"));
  EXPECT_THAT(listed["fix"].get<std::string>(), HasSubstr("remove the links to spammy-links.example"));
  EXPECT_EQ(finding(out, "bulk-rules", "not-listed")["status"], "fail");
  EXPECT_EQ(finding(out, "dnsbl", "campaign.test @ uribl.campaign.test")["status"], "pass");
  // A link to an IP address cannot be asked about: a warning that says so.
  auto unchecked = finding(out, "links", "unchecked hosts");
  EXPECT_EQ(unchecked["status"], "warn");
  EXPECT_THAT(unchecked["detail"].get<std::string>(),
              HasSubstr("sample list.csv:3 jane@example.com: links to 192.0.2.7"));
}

TEST_F(PreflightCampaign, WithoutAPoolTheSenderRulesChooseOne) {
  dir.write("campaign.toml", kCampaign.substr(0, kCampaign.find("pool = ")) +
                                 kCampaign.substr(kCampaign.find("bounce_address")));
  dir.write("relayctl.toml",
            config_text + "[[delivery.sender_pool]]\nsender = \"bounce.campaign.test\"\npool = \"other\"\n");
  auto r = preflight();
  auto out = parsed(r);
  EXPECT_THAT(finding(out, "campaign", "spring-24")["detail"].get<std::string>(),
              HasSubstr("pool other: sources other1"));
  EXPECT_EQ(finding(out, "static-ip", "other1 203.0.113.66")["status"], "fail");  // PBL-listed
  EXPECT_FALSE(checked(out, "203.0.113.10"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
}

TEST_F(PreflightCampaign, WithoutAnyPoolEverySourceIsChecked) {
  dir.write("campaign.toml", kCampaign.substr(0, kCampaign.find("pool = ")) +
                                 kCampaign.substr(kCampaign.find("bounce_address")));
  auto out = parsed(preflight());
  EXPECT_THAT(finding(out, "campaign", "spring-24")["detail"].get<std::string>(),
              HasSubstr("no pool (the campaign, [[delivery.sender_pool]] and default_pool name none)"));
  EXPECT_TRUE(checked(out, "bulk1 203.0.113.10"));
  EXPECT_TRUE(checked(out, "other1 203.0.113.66"));
}

TEST_F(PreflightCampaign, TheTokenSecretIsRequired) {
  dir.write("relayctl.toml", config_text.substr(0, config_text.find("token_secret_file")));
  auto r = preflight();
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.err, HasSubstr(config.string() + ": [campaigns] token_secret_file is not set"));
}

TEST_F(PreflightCampaign, UnknownPoolIsAUsageError) {
  dir.write("campaign.toml", kCampaign.substr(0, kCampaign.find("pool = ")) + "pool = \"nosuch\"\n" +
                                 kCampaign.substr(kCampaign.find("bounce_address")));
  auto r = preflight();
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.err, HasSubstr(campaign.string() + ": pool: 'nosuch' is not a [[delivery.pool]] of " +
                               config.string() + " (its pools: bulk, other)"));
  EXPECT_EQ(r.out, "");
}

TEST_F(PreflightCampaign, CampaignFileErrorsNameFileAndLine) {
  dir.write("campaign.toml", kCampaign.substr(0, kCampaign.find("from = ")) + "from = \"News <news@\n" +
                                 kCampaign.substr(kCampaign.find("subject = ")));
  auto r = preflight();
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.err, HasSubstr(campaign.string() + ":3:"));

  dir.write("campaign.toml", kCampaign + "recipient = \"list.csv\"\n");  // a key that does not exist
  r = preflight();
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.err, HasSubstr(campaign.string() + ":"));
  EXPECT_THAT(r.err, HasSubstr("recipient"));
}

TEST_F(PreflightCampaign, NoRowToRenderIsAUsageError) {
  dir.write("list.csv", "email,first_name\nnot-an-address,X\n");
  auto r = preflight();
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.err, HasSubstr("no row of "));
  EXPECT_THAT(r.err, HasSubstr("list.csv:2: invalid address"));
}

TEST_F(PreflightCampaign, ConflictingFlagsAreUsageErrors) {
  for (const auto& flags : std::vector<std::vector<std::string>>{{"--domain", "campaign.test"},
                                                                 {"--envelope-domain", "campaign.test"},
                                                                 {"--message", campaign.string()}}) {
    auto r = preflight(flags);
    EXPECT_EQ(r.exit_code, 2) << flags.front() << r.out;
    EXPECT_THAT(r.err, HasSubstr("excludes")) << flags.front();
  }
  std::filesystem::remove(campaign);
  auto missing = preflight();
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr(campaign.string()));
}

}  // namespace
