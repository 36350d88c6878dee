// `relayctl preflight` against nsd serving tests/fixtures/dns: a healthy sender (everything passes), a
// broken one (each check fails with its fix), bounce domains without MX, a PBL listing and a policy list
// that refuses to answer, a non-routable IP, lists that cannot be checked, a resolver that never answers, a
// configuration-driven run, sample messages, and bad flags.
#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using relay::test::fixture_zone;
using relay::test::run;

constexpr const char* kGoodMessage =
    "From: News <news@good.preflight.test>\r\n"
    "To: reader@example.net\r\n"
    "Subject: November news\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <n1@good.preflight.test>\r\n"
    "MIME-Version: 1.0\r\n"
    "List-Unsubscribe: <https://links.good.preflight.test/u/abc>, <mailto:unsub@good.preflight.test>\r\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Hello. To stop these mails: https://links.good.preflight.test/u/abc (unsubscribe)\r\n";

struct Preflight : ::testing::Test {
  relay::test::NsdServer nsd{
      {fixture_zone("preflight.test"), fixture_zone("loose.test"), fixture_zone("113.0.203.in-addr.arpa"),
       fixture_zone("zen.spamhaus.org"), fixture_zone("bl.spamcop.net"), fixture_zone("dbl.spamhaus.org"),
       fixture_zone("multi.surbl.org"), fixture_zone("multi.uribl.com"),
       fixture_zone("b.barracudacentral.org"), fixture_zone("dnsbl-1.uceprotect.net")}};
  relay::test::TempDir dir;

  // A fixture key copied with the mode relayctl demands of private keys.
  std::string key(const std::string& fixture) {
    auto path = dir.path() / fixture;
    std::filesystem::copy_file(std::filesystem::path(RELAY_FIXTURES_DIR) / "dkim" / fixture, path,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::permissions(path,
                                 std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return path.string();
  }
  std::string good_key() { return "good.preflight.test:s1:" + key("rsa2048.pem"); }

  std::vector<std::string> base(std::vector<std::string> args) {
    std::vector<std::string> argv{RELAYCTL_BINARY,
                                  "preflight",
                                  "--json",
                                  "--nameserver",
                                  nsd.address(),
                                  "--dns-timeout",
                                  "2",
                                  "--config",
                                  (dir.path() / "none.toml").string()};
    dir.write("none.toml", "");
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  // The usual lists, minus the fixture's dead Barracuda list (tested on its own).
  static std::vector<std::string> lists() {
    return {"--ip-list",     "zen.spamhaus.org", "--ip-list",     "bl.spamcop.net",
            "--domain-list", "dbl.spamhaus.org", "--domain-list", "multi.surbl.org"};
  }
  nlohmann::json check(const std::vector<std::string>& args, int expected_exit) {
    auto r = run(base(args));
    EXPECT_EQ(r.exit_code, expected_exit) << r.out << r.err;
    auto out = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(out.is_discarded()) << r.out << r.err;
    return out;
  }
  static std::vector<nlohmann::json> findings(const nlohmann::json& out, const std::string& check) {
    std::vector<nlohmann::json> found;
    for (const auto& f : out["findings"])
      if (f["check"] == check) found.push_back(f);
    return found;
  }
  static nlohmann::json finding(const nlohmann::json& out, const std::string& check,
                                const std::string& subject) {
    for (const auto& f : out["findings"])
      if (f["check"] == check && f["subject"] == subject) return f;
    ADD_FAILURE() << "no finding " << check << " " << subject << " in " << out.dump(2);
    return nlohmann::json::object();
  }
  static std::string status(const nlohmann::json& out, const std::string& check, const std::string& subject) {
    auto f = finding(out, check, subject);
    return f.is_null() || !f.contains("status") ? "" : f["status"].get<std::string>();
  }
};

TEST_F(Preflight, HealthySenderPasses) {
  auto message = dir.write("good.eml", kGoodMessage);
  auto args = lists();
  for (const auto& a : {"--ip", "203.0.113.10", "--helo", "mail.good.preflight.test", "--domain",
                        "good.preflight.test", "--no-tls", "--dkim-key"})
    args.emplace_back(a);
  args.push_back(good_key());
  args.push_back("--message");
  args.push_back(message.string());
  auto out = check(args, 0);
  auto dkim = finding(out, "dkim", "s1._domainkey.good.preflight.test");
  EXPECT_EQ(dkim["status"], "pass") << dkim;
  EXPECT_NE(dkim["detail"].get<std::string>().find("2048 bits"), std::string::npos) << dkim;
  EXPECT_EQ(status(out, "dmarc-alignment", "good.preflight.test"), "pass");
  EXPECT_EQ(status(out, "dnsbl", "good.preflight.test @ dbl.spamhaus.org"), "pass");
  EXPECT_EQ(status(out, "rdns", "203.0.113.10"), "pass");
  EXPECT_EQ(status(out, "ehlo", "mail.good.preflight.test 203.0.113.10"), "pass");
  // A documentation address that is not on this host: warnings, not failures.
  EXPECT_EQ(status(out, "static-ip", "203.0.113.10"), "warn");
  EXPECT_EQ(status(out, "spf", "good.preflight.test"), "pass");
  EXPECT_EQ(status(out, "spf", "good.preflight.test from 203.0.113.10"), "pass");
  EXPECT_EQ(status(out, "dmarc", "good.preflight.test"), "pass");
  EXPECT_EQ(status(out, "mx", "good.preflight.test"), "pass");
  EXPECT_EQ(status(out, "dnsbl", "203.0.113.10 @ zen.spamhaus.org"), "pass");
  EXPECT_EQ(status(out, "dnsbl", "good.preflight.test @ dbl.spamhaus.org"), "pass");
  // The registrable domain of the message's link (links.good.preflight.test) joins the domain lists.
  EXPECT_EQ(status(out, "dnsbl", "preflight.test @ multi.surbl.org"), "pass");
  EXPECT_EQ(status(out, "message-format", "header"), "pass");
  EXPECT_EQ(status(out, "unsubscribe", "List-Unsubscribe"), "pass");
  EXPECT_EQ(status(out, "unsubscribe", "List-Unsubscribe-Post"), "pass");
  EXPECT_EQ(status(out, "unsubscribe", "visible link"), "pass");
  EXPECT_EQ(status(out, "bulk-rules", "one-click-unsubscribe"), "pass");
  EXPECT_EQ(status(out, "bulk-rules", "forward-reverse-dns"), "pass");
  for (const auto& f : out["findings"]) {
    EXPECT_NE(f["status"], "fail") << f.dump();
    EXPECT_NE(f["status"], "error") << f.dump();
  }
  EXPECT_EQ(out["exit_code"], 0);
}

TEST_F(Preflight, BrokenSenderFailsEachCheckWithItsFix) {
  auto args = lists();
  for (const auto& a : {"--ip", "203.0.113.66", "--helo", "mail.bad.preflight.test", "--domain",
                        "bad.preflight.test", "--no-tls"})
    args.emplace_back(a);
  auto out = check(args, 1);
  auto static_ip = finding(out, "static-ip", "203.0.113.66");
  EXPECT_EQ(static_ip["status"], "fail");
  EXPECT_NE(static_ip["detail"].get<std::string>().find("127.0.0.11"), std::string::npos)
      << static_ip;                                        // PBL
  EXPECT_EQ(status(out, "rdns", "203.0.113.66"), "fail");  // PTR does not resolve back
  EXPECT_EQ(status(out, "ehlo", "mail.bad.preflight.test 203.0.113.66"), "fail");
  auto spf = finding(out, "spf", "bad.preflight.test from 203.0.113.66");
  EXPECT_EQ(spf["status"], "fail");
  EXPECT_NE(spf["fix"].get<std::string>().find("ip4:203.0.113.66"), std::string::npos) << spf;
  auto dmarc = finding(out, "dmarc", "bad.preflight.test");
  EXPECT_EQ(dmarc["status"], "fail");
  EXPECT_NE(dmarc["fix"].get<std::string>().find("_dmarc.bad.preflight.test"), std::string::npos) << dmarc;
  EXPECT_EQ(status(out, "dmarc-alignment", "bad.preflight.test"), "fail");
  EXPECT_EQ(status(out, "dkim", "bad.preflight.test"), "fail");  // no signing key configured
  EXPECT_EQ(status(out, "dnsbl", "203.0.113.66 @ zen.spamhaus.org"), "fail");
  EXPECT_EQ(status(out, "dnsbl", "bad.preflight.test @ dbl.spamhaus.org"), "fail");
  auto mx = finding(out, "mx", "bad.preflight.test");
  EXPECT_EQ(mx["status"], "fail");
  EXPECT_NE(mx["detail"].get<std::string>().find("null MX"), std::string::npos) << mx;
  EXPECT_EQ(status(out, "bulk-rules", "spf-and-dkim"), "fail");
  EXPECT_EQ(status(out, "bulk-rules", "not-listed"), "fail");
  for (const auto& f : out["findings"])
    if (f["status"] == "fail") {
      EXPECT_FALSE(f["fix"].get<std::string>().empty()) << f.dump();
    }
}

TEST_F(Preflight, LooseDomainWarnsAndLintFails) {
  auto args = lists();
  for (const auto& a : {"--ip", "203.0.113.10", "--helo", "mail.good.preflight.test", "--domain",
                        "sub.loose.test", "--envelope-domain", "loose.test", "--no-tls"})
    args.emplace_back(a);
  auto out = check(args, 1);
  auto lint = finding(out, "spf", "loose.test");
  EXPECT_EQ(lint["status"], "fail");
  EXPECT_NE(lint["detail"].get<std::string>().find("+all"), std::string::npos) << lint;
  // DMARC found at the organizational domain, p=none without rua: a pass with warnings.
  auto dmarc = finding(out, "dmarc", "sub.loose.test");
  EXPECT_EQ(dmarc["status"], "warn");
  EXPECT_NE(dmarc["detail"].get<std::string>().find("at loose.test"), std::string::npos) << dmarc;
  EXPECT_NE(dmarc["detail"].get<std::string>().find("rua"), std::string::npos) << dmarc;
  // SPF passes for loose.preflight.test, which aligns (relaxed) with sub.loose.preflight.test; no DKIM.
  auto alignment = finding(out, "dmarc-alignment", "sub.loose.test");
  EXPECT_EQ(alignment["status"], "warn") << alignment;
  EXPECT_NE(alignment["detail"].get<std::string>().find("SPF aligned via loose.test"), std::string::npos)
      << alignment;
}

TEST_F(Preflight, BounceDomainAlignsOnlyUnderTheSameOrganizationalDomain) {
  auto args = lists();
  for (const auto& a : {"--ip", "203.0.113.10", "--helo", "mail.good.preflight.test", "--domain",
                        "good.preflight.test", "--no-tls", "--envelope-domain"})
    args.emplace_back(a);
  auto aligned_args = args;
  aligned_args.emplace_back("bounces.preflight.test");
  auto out = check(aligned_args, 1);  // 1: no DKIM key
  EXPECT_EQ(status(out, "spf", "bounces.preflight.test from 203.0.113.10"), "pass");
  auto alignment = finding(out, "dmarc-alignment", "good.preflight.test");
  EXPECT_EQ(alignment["status"], "warn") << alignment;  // SPF alone: forwarding breaks it
  EXPECT_NE(alignment["detail"].get<std::string>().find("SPF aligned via bounces.preflight.test"),
            std::string::npos)
      << alignment;

  args.emplace_back("mailer.loose.test");
  out = check(args, 1);
  EXPECT_EQ(status(out, "spf", "mailer.loose.test from 203.0.113.10"), "pass");
  alignment = finding(out, "dmarc-alignment", "good.preflight.test");
  EXPECT_EQ(alignment["status"], "fail") << alignment;
  EXPECT_NE(alignment["detail"].get<std::string>().find("SPF passes for unaligned mailer.loose.test"),
            std::string::npos)
      << alignment;
}

// Bounces come back to the envelope domain's MX, else to its address (the implicit MX of RFC 5321 §5.1, a
// warning); a domain with neither can never receive them, which fails — for a From domain too: replies
// to it can never arrive.
TEST_F(Preflight, BounceDomainWithoutMxNeedsAnAddress) {
  const std::vector<std::string> common{"--ip",     "203.0.113.10", "--helo",     "mail.good.preflight.test",
                                        "--no-tls", "--no-blocklists", "--dkim-key", good_key()};
  auto args = common;
  for (const auto& a : {"--domain", "good.preflight.test", "--envelope-domain", "implicit.preflight.test",
                        "--envelope-domain", "nomail.preflight.test"})
    args.emplace_back(a);
  auto out = check(args, 1);
  auto implicit = finding(out, "mx", "implicit.preflight.test");
  EXPECT_EQ(implicit["status"], "warn") << implicit;
  EXPECT_NE(implicit["detail"].get<std::string>().find("implicit MX"), std::string::npos) << implicit;
  auto nomail = finding(out, "mx", "nomail.preflight.test");
  EXPECT_EQ(nomail["status"], "fail") << nomail;
  EXPECT_NE(nomail["detail"].get<std::string>().find("no MX and no address"), std::string::npos) << nomail;
  EXPECT_NE(nomail["fix"].get<std::string>().find("MX record for nomail.preflight.test"), std::string::npos)
      << nomail;
  EXPECT_EQ(out["summary"]["fail"], 1) << out.dump(2);

  args = common;
  for (const auto& a : {"--domain", "nomail.preflight.test", "--envelope-domain", "good.preflight.test"})
    args.emplace_back(a);
  out = check(args, 1);
  nomail = finding(out, "mx", "nomail.preflight.test");
  EXPECT_EQ(nomail["status"], "fail") << nomail;
  EXPECT_NE(nomail["detail"].get<std::string>().find("no MX and no address"), std::string::npos) << nomail;
}

// A PBL listing (127.0.0.10/.11) is a failure on its dnsbl row — every receiver that uses ZEN refuses mail
// from the address — and so on the not-listed bulk rule. The static-ip row says what it found: the
// listing, and a forward-confirmed PTR whose name looks static.
TEST_F(Preflight, PblListingFailsAndStaticIpSaysWhatItFound) {
  auto args = lists();
  for (const auto& a : {"--ip", "203.0.113.70", "--helo", "mail2.good.preflight.test", "--domain",
                        "good.preflight.test", "--no-tls", "--dkim-key"})
    args.emplace_back(a);
  args.push_back(good_key());
  auto out = check(args, 1);
  auto dnsbl = finding(out, "dnsbl", "203.0.113.70 @ zen.spamhaus.org");
  EXPECT_EQ(dnsbl["status"], "fail") << dnsbl;
  EXPECT_NE(dnsbl["detail"].get<std::string>().find("127.0.0.10 PBL"), std::string::npos) << dnsbl;
  EXPECT_NE(dnsbl["fix"].get<std::string>().find("PBL"), std::string::npos) << dnsbl;
  EXPECT_EQ(status(out, "dnsbl", "203.0.113.70 @ bl.spamcop.net"), "pass");
  EXPECT_EQ(status(out, "bulk-rules", "not-listed"), "fail");
  auto static_ip = finding(out, "static-ip", "203.0.113.70");
  EXPECT_EQ(static_ip["status"], "fail") << static_ip;
  const auto detail = static_ip["detail"].get<std::string>();
  EXPECT_NE(detail.find("127.0.0.10"), std::string::npos) << static_ip;
  EXPECT_NE(detail.find("PTR naming looks static"), std::string::npos) << static_ip;
  EXPECT_EQ(detail.find("dynamic"), std::string::npos) << static_ip;
  EXPECT_EQ(status(out, "rdns", "203.0.113.70"), "pass");
}

// A policy list that refuses to answer (Spamhaus 127.255.255.255: too many queries) leaves the static-ip
// row "could not check", as on the dnsbl row, never "not listed".
TEST_F(Preflight, RefusedPolicyListIsCouldNotCheckOnTheStaticIpRow) {
  auto args = lists();
  for (const auto& a : {"--ip", "203.0.113.71", "--helo", "mail3.good.preflight.test", "--domain",
                        "good.preflight.test", "--no-tls", "--dkim-key"})
    args.emplace_back(a);
  args.push_back(good_key());
  auto out = check(args, 1);  // 1: SPF does not authorise 203.0.113.71
  auto static_ip = finding(out, "static-ip", "203.0.113.71");
  EXPECT_EQ(static_ip["status"], "error") << static_ip;
  const auto detail = static_ip["detail"].get<std::string>();
  EXPECT_NE(detail.find("could not check"), std::string::npos) << static_ip;
  EXPECT_NE(detail.find("127.255.255.255"), std::string::npos) << static_ip;
  EXPECT_FALSE(static_ip["fix"].get<std::string>().empty()) << static_ip;
  EXPECT_EQ(status(out, "dnsbl", "203.0.113.71 @ zen.spamhaus.org"), "error");
  EXPECT_EQ(status(out, "rdns", "203.0.113.71"), "pass");
}

TEST_F(Preflight, NonRoutableAddressFails) {
  auto args = lists();
  for (const auto& a : {"--ip", "100.64.1.2", "--domain", "good.preflight.test", "--no-tls"})
    args.emplace_back(a);
  auto out = check(args, 1);
  auto f = finding(out, "static-ip", "100.64.1.2");
  EXPECT_EQ(f["status"], "fail");
  EXPECT_NE(f["detail"].get<std::string>().find("100.64.0.0/10"), std::string::npos) << f;
}

TEST_F(Preflight, DeadListIsCouldNotCheckNeverClean) {
  // The fixture's Barracuda list fails its RFC 5782 test point: every answer from it is "could not check".
  auto out = check(
      {"--ip", "203.0.113.10", "--helo", "mail.good.preflight.test", "--no-tls", "--ip-list",
       "b.barracudacentral.org", "--domain-list", "dbl.spamhaus.org", "--domain", "good.preflight.test"},
      1);
  auto f = finding(out, "dnsbl", "203.0.113.10 @ b.barracudacentral.org");
  EXPECT_EQ(f["status"], "error");
  EXPECT_FALSE(f["fix"].get<std::string>().empty());
  EXPECT_EQ(status(out, "bulk-rules", "not-listed"), "error");
}

TEST_F(Preflight, NothingFailedButSomethingUncheckedExitsThree) {
  auto message = dir.write("good.eml", kGoodMessage);
  auto out = check({"--ip", "203.0.113.10", "--helo", "mail.good.preflight.test", "--no-tls", "--ip-list",
                    "unserved.example", "--domain-list", "dbl.spamhaus.org", "--domain",
                    "good.preflight.test", "--dkim-key", good_key(), "--message", message.string()},
                   3);
  EXPECT_EQ(status(out, "dnsbl", "203.0.113.10 @ unserved.example"), "error");
  EXPECT_EQ(out["summary"]["fail"], 0);
}

TEST_F(Preflight, DkimKeyThatDoesNotMatchFailsAndAlignmentFallsBackToSpf) {
  auto out = check(
      {"--ip", "203.0.113.10", "--helo", "mail.good.preflight.test", "--no-tls", "--no-blocklists",
       "--domain", "good.preflight.test", "--dkim-key", "good.preflight.test:s1:" + key("other2048.pem")},
      1);
  auto dkim = finding(out, "dkim", "s1._domainkey.good.preflight.test");
  EXPECT_EQ(dkim["status"], "fail") << dkim;
  EXPECT_FALSE(dkim["fix"].get<std::string>().empty()) << dkim;
  EXPECT_EQ(status(out, "dmarc-alignment", "good.preflight.test"), "warn");
  // A key nobody published: missing.
  out = check({"--ip", "203.0.113.10", "--no-tls", "--no-blocklists", "--domain", "good.preflight.test",
               "--dkim-key", "good.preflight.test:nosuch:" + key("rsa2048.pem")},
              1);
  EXPECT_EQ(status(out, "dkim", "nosuch._domainkey.good.preflight.test"), "fail");
}

// One failure per row: the flags that provoke it, and the finding it must produce with its fix.
struct FailureCase {
  const char* name;
  std::vector<std::string> flags;  // besides --no-tls and the zen and dbl lists
  const char* check;
  const char* subject;
  const char* status;
  const char* text;  // in the detail or the fix
};

TEST_F(Preflight, EachFailureGivesItsStatusAndFix) {
  const std::vector<FailureCase> cases{
      {"no PTR",
       {"--ip", "203.0.113.67", "--domain", "good.preflight.test"},
       "rdns",
       "203.0.113.67",
       "fail",
       "has no PTR record"},
      {"generic PTR",
       {"--ip", "203.0.113.68", "--domain", "good.preflight.test"},
       "static-ip",
       "203.0.113.68",
       "fail",
       "looks dynamic"},
      {"PTR without matching A",
       {"--ip", "203.0.113.66", "--domain", "good.preflight.test"},
       "rdns",
       "203.0.113.66",
       "fail",
       "does not resolve back"},
      {"EHLO is not the PTR",
       {"--ip", "203.0.113.10", "--helo", "mail.bad.preflight.test", "--domain", "good.preflight.test"},
       "ehlo",
       "mail.bad.preflight.test 203.0.113.10",
       "fail",
       "differs from the PTR name"},
      {"SPF missing",
       {"--ip", "203.0.113.10", "--domain", "nospf.preflight.test"},
       "spf",
       "nospf.preflight.test from 203.0.113.10",
       "fail",
       "\"v=spf1 ip4:203.0.113.10 -all\""},
      {"two SPF records",
       {"--ip", "203.0.113.10", "--domain", "twospf.preflight.test"},
       "spf",
       "twospf.preflight.test",
       "fail",
       "more than one"},
      {"SPF not covering the IP",
       {"--ip", "203.0.113.66", "--domain", "bad.preflight.test"},
       "spf",
       "bad.preflight.test from 203.0.113.66",
       "fail",
       "ip4:203.0.113.66"},
      {"SPF too many lookups",
       {"--ip", "203.0.113.10", "--domain", "loose.test"},
       "spf",
       "loose.test",
       "fail",
       "too-many-lookups"},
      {"DKIM testing mode",
       {"--ip", "203.0.113.10", "--domain", "good.preflight.test", "--selector", "t1", "--key", ""},
       "dkim",
       "t1._domainkey.good.preflight.test",
       "warn",
       "testing"},
      {"DKIM missing",
       {"--ip", "203.0.113.10", "--domain", "good.preflight.test", "--selector", "gone", "--key", ""},
       "dkim",
       "gone._domainkey.good.preflight.test",
       "fail",
       "missing"},
      {"DMARC missing",
       {"--ip", "203.0.113.10", "--domain", "bad.preflight.test"},
       "dmarc",
       "bad.preflight.test",
       "fail",
       "_dmarc.bad.preflight.test"},
      {"DMARC misaligned",
       {"--ip", "203.0.113.10", "--domain", "good.preflight.test", "--envelope-domain", "mailer.loose.test"},
       "dmarc-alignment",
       "good.preflight.test",
       "fail",
       "sign with a DKIM key for d=good.preflight.test"},
      {"ZEN listing with a PBL code",
       {"--ip", "203.0.113.66", "--domain", "good.preflight.test"},
       "dnsbl",
       "203.0.113.66 @ zen.spamhaus.org",
       "fail",
       "127.0.0.11"},
      {"DBL-listed domain",
       {"--ip", "203.0.113.10", "--domain", "bad.preflight.test"},
       "dnsbl",
       "bad.preflight.test @ dbl.spamhaus.org",
       "fail",
       "request removal"},
      {"list error answer",
       {"--ip", "203.0.113.97", "--domain", "good.preflight.test"},
       "dnsbl",
       "203.0.113.97 @ zen.spamhaus.org",
       "error",
       "your own recursive resolver"},
      {"null MX From domain",
       {"--ip", "203.0.113.10", "--domain", "bad.preflight.test"},
       "mx",
       "bad.preflight.test",
       "fail",
       "null MX"},
  };
  const auto rsa = key("rsa2048.pem");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> args{"--no-tls", "--ip-list", "zen.spamhaus.org", "--domain-list",
                                  "dbl.spamhaus.org"};
    for (const auto& flag : c.flags)
      args.push_back(flag.empty() ? rsa : flag);  // "" after --key: the key
    auto r = run(base(args));
    auto out = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(out.is_discarded()) << r.out << r.err;
    EXPECT_EQ(r.exit_code, std::string(c.status) == "fail" ? 1 : r.exit_code) << r.out;
    auto f = finding(out, c.check, c.subject);
    if (f.empty()) continue;
    EXPECT_EQ(f["status"], c.status) << f.dump(2);
    auto text = f["detail"].get<std::string>() + " | " + f["fix"].get<std::string>();
    EXPECT_NE(text.find(c.text), std::string::npos) << c.text << " in " << f.dump(2);
    if (std::string(c.status) != "pass") {
      EXPECT_FALSE(f["fix"].get<std::string>().empty()) << f.dump(2);
    }
  }
}

TEST(PreflightTimeout, SilentNameserverIsErrorsAndExitThree) {
  relay::test::SilentDnsServer silent;
  relay::test::TempDir dir;
  auto config = dir.write("empty.toml", "");
  auto r = run({RELAYCTL_BINARY, "preflight", "--json", "--nameserver", silent.address(), "--dns-timeout",
                "0.3", "--config", config.string(), "--ip", "203.0.113.10", "--no-tls", "--no-blocklists"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  auto out = nlohmann::json::parse(r.out);
  bool rdns_error = false;
  for (const auto& f : out["findings"]) {
    EXPECT_NE(f["status"], "fail") << f.dump();
    if (f["check"] == "rdns") rdns_error = f["status"] == "error";
  }
  EXPECT_TRUE(rdns_error) << r.out;
}

TEST_F(Preflight, ConfigurationGivesSourcesDomainsAndKeys) {
  auto config =
      dir.write("relayctl.toml",
                "[server]\nhostname = \"mail.good.preflight.test\"\n"
                "[[delivery.source]]\nname = \"primary\"\naddress = \"203.0.113.10\"\n"
                "ehlo = \"mail.good.preflight.test\"\n"
                "[[dkim.sign]]\nfrom = \"good.preflight.test\"\nselector = \"s1\"\nkey = \"" +
                    key("rsa2048.pem") +
                    "\"\n"
                    "[[dkim.sign]]\nfrom = \"*\"\ndomain = \"esp.preflight.test\"\nselector = \"esp\"\n"
                    "key = \"" +
                    key("ed25519.pem") + "\"\n");
  auto argv =
      std::vector<std::string>{RELAYCTL_BINARY, "preflight", "--json",   "--nameserver",  nsd.address(),
                               "--dns-timeout", "2",         "--config", config.string(), "--no-blocklists"};
  auto r = run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(status(out, "static-ip", "primary 203.0.113.10"), "warn");
  EXPECT_EQ(status(out, "ehlo", "mail.good.preflight.test 203.0.113.10"), "pass");
  // The From domain comes from the sign table; the most specific rule signs it (not the "*" default).
  EXPECT_EQ(status(out, "spf", "good.preflight.test"), "pass");
  EXPECT_EQ(status(out, "dkim", "s1._domainkey.good.preflight.test"), "pass");
  EXPECT_EQ(findings(out, "dkim").size(), 1u);
  EXPECT_EQ(status(out, "dmarc-alignment", "good.preflight.test"), "pass");
  // No certificate configured: the self-signed default is a warning.
  EXPECT_EQ(findings(out, "tls").size(), 1u);
  EXPECT_EQ(findings(out, "tls").front()["status"], "warn");
}

TEST_F(Preflight, TableNamesEveryCheckAndItsFix) {
  auto argv = base({"--ip", "203.0.113.66", "--domain", "bad.preflight.test", "--no-tls", "--no-blocklists"});
  argv.erase(argv.begin() + 2);  // no --json
  auto r = run(argv);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  for (const char* text :
       {"static-ip", "rdns", "spf", "dmarc", "mx", "bulk-rules", "fail", "publish a TXT record"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << "\n" << r.out;
}

TEST_F(Preflight, BadFlagsAreUsageErrors) {
  auto r = run(base({"--ip", "not-an-ip", "--domain", "good.preflight.test"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--ip not-an-ip"), std::string::npos) << r.err;
  r = run(base({}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nothing to check"), std::string::npos) << r.err;
  r = run(base({"--domain", "good.preflight.test", "--dkim-key", "good.preflight.test"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("DOMAIN:SELECTOR:KEYFILE"), std::string::npos) << r.err;
}

}  // namespace
