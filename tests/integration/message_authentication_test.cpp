// Authentication of inbound mail (mta/inbound/auth/) against a real nsd serving
// tests/fixtures/inbound-auth/: SPF of MAIL FROM (and of HELO for the null sender), DKIM of messages
// signed here with the fixture keys (and checked again by python3-dkim), DMARC with relaxed and strict
// alignment, sp, pct and p=reject; the Authentication-Results field parsed back (and by python3-authres
// when installed); forged fields naming our authserv-id removed; the DNSBL check of a client at connect.
#include "mta/inbound/auth/message_authentication.hpp"

#include <fstream>
#include <sstream>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include "dkim/signer.hpp"
#include "dkim/verifier.hpp"
#include "dns/resolver/network_resolver.hpp"
#include "mta/inbound/auth/authentication_results.hpp"
#include "mta/inbound/auth/client_blocklist.hpp"
#include "tests/support/dkim_tools.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"

namespace {

using namespace mta::inbound::auth;

const std::string kAuthservId = "mx.relay.test";

relay::test::Zone zone(const std::string& name) {
  std::ifstream in(std::string(RELAY_FIXTURES_DIR) + "/inbound-auth/" + name + ".zone");
  if (!in) throw std::runtime_error("no fixture zone " + name);
  std::ostringstream text;
  text << in.rdbuf();
  return {name, text.str()};
}

std::string message_from(const std::string& from_lines, const std::string& body = "Hello Bob\r\n") {
  return from_lines +
         "To: bob@customer.test\r\nSubject: inbound auth\r\n"
         "Date: Mon, 23 Nov 2026 03:00:00 +0000\r\nMessage-ID: <m1@auth.test>\r\n\r\n" +
         body;
}

const std::string kAlice = message_from("From: Alice <alice@auth.test>\r\n");

// The value of the one property type.property of the first result of method, "" when absent.
std::string property(const AuthenticationResults& results, const std::string& method, const std::string& name,
                     std::size_t index = 0) {
  for (const auto& info : results.results)
    if (info.method == method && index-- == 0) {
      for (const auto& p : info.properties)
        if (p.type + "." + p.property == name) return p.value;
      return "";
    }
  return "";
}

struct MessageAuthentication : ::testing::Test {
  relay::test::TempDir dir;
  relay::test::NsdServer nsd{{zone("auth.test"), zone("bl.test"), zone("bl2.test")}};
  asio::io_context io;
  std::unique_ptr<dns::NetworkResolver> resolver;
  std::unique_ptr<dkim::Verifier> verifier;

  void SetUp() override {
    dns::NetworkResolverOptions options;
    options.servers = {{asio::ip::make_address("127.0.0.1"), nsd.port()}};
    options.timeout = std::chrono::milliseconds(2000);
    options.attempts = 1;
    resolver = std::make_unique<dns::NetworkResolver>(io.get_executor(), options);
    auto created = dkim::Verifier::create();
    ASSERT_TRUE(created) << created.error();
    verifier = std::move(*created);
  }

  std::string sign(const std::string& message, const std::string& selector, const std::string& key,
                   const std::string& domain = "auth.test") {
    dkim::SigningTable table({{"*", domain, selector, relay::test::private_dkim_key(dir, key)}});
    auto signer = dkim::Signer::create(table);
    EXPECT_TRUE(signer) << signer.error();
    auto fields = (*signer)->sign(message);
    EXPECT_TRUE(fields) << fields.error();
    return *fields + message;
  }

  template <typename T>
  T run(asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.restart();
    io.run();
    return future.get();
  }

  AuthenticationOutcome authenticate(const std::string& message, const std::string& mail_from,
                                     const std::string& client_ip = "192.0.2.10",
                                     const std::string& helo = "mx.auth.test") {
    AuthenticationInput input{client_ip, helo, mail_from, message, kAuthservId};
    auto outcome = run(mta::inbound::auth::authenticate(*resolver, *verifier, input));
    EXPECT_TRUE(outcome.header.starts_with("Authentication-Results: ")) << outcome.header;
    EXPECT_TRUE(outcome.header.ends_with("\r\n")) << outcome.header;
    return outcome;
  }

  // The header parsed back, with its line structure checked: CRLF only, every line after the first folded.
  static AuthenticationResults parsed(const AuthenticationOutcome& outcome) {
    const std::string& header = outcome.header;
    std::string_view rest(header);
    bool first = true;
    while (!rest.empty()) {
      auto end = rest.find("\r\n");
      EXPECT_NE(end, std::string_view::npos) << header;
      if (end == std::string_view::npos) break;
      std::string_view line = rest.substr(0, end);
      EXPECT_EQ(line.find_first_of("\r\n"), std::string_view::npos) << header;
      EXPECT_LE(line.size(), 998u);
      if (!first) {
        EXPECT_TRUE(line.starts_with("\t")) << "unfolded line in " << header;
      }
      first = false;
      rest.remove_prefix(end + 2);
    }
    std::string_view value(header);
    value.remove_prefix(std::string_view("Authentication-Results:").size());
    value.remove_suffix(2);
    auto results = parse(value);
    EXPECT_TRUE(results) << "not RFC 8601 syntax: " << header;
    if (!results) return {};
    EXPECT_EQ(results->authserv_id, kAuthservId);
    return *results;
  }
};

TEST_F(MessageAuthentication, SignedMessageFromAuthorizedClientPassesEverything) {
  std::string message = sign(kAlice, "s1", "rsa2048");
  auto outcome = authenticate(message, "alice@auth.test");
  EXPECT_EQ(outcome.spf, "pass");
  EXPECT_EQ(outcome.dkim, "pass");
  EXPECT_EQ(outcome.dmarc, "pass");
  EXPECT_EQ(outcome.from_domain, "auth.test");
  EXPECT_EQ(outcome.dmarc_policy, "reject");
  EXPECT_FALSE(outcome.dmarc_reject_policy);
  auto results = parsed(outcome);
  ASSERT_EQ(results.results.size(), 3u) << outcome.header;
  EXPECT_EQ(results.results[0].method, "spf");
  EXPECT_EQ(property(results, "spf", "smtp.mailfrom"), "alice@auth.test");
  EXPECT_EQ(results.results[1].result, "pass");
  EXPECT_EQ(property(results, "dkim", "header.d"), "auth.test");
  EXPECT_EQ(property(results, "dkim", "header.s"), "s1");
  EXPECT_EQ(property(results, "dkim", "header.a"), "rsa-sha256");
  EXPECT_EQ(property(results, "dkim", "header.b").size(), 8u);
  EXPECT_EQ(results.results[2].result, "pass");
  EXPECT_EQ(property(results, "dmarc", "header.from"), "auth.test");
  EXPECT_EQ(property(results, "dmarc", "policy.dmarc"), "reject");
  auto python = relay::test::python_dkim_verify(message, nsd.address());
  EXPECT_EQ(python.exit_code, 0) << python.out << python.err;
}

TEST_F(MessageAuthentication, AlteredMessageFailsDkimAndDmarcUnderReject) {
  std::string message = sign(kAlice, "s1", "rsa2048");
  message.replace(message.find("Hello Bob"), 9, "Hello Eve");
  auto outcome = authenticate(message, "alice@auth.test", "198.51.100.7");
  EXPECT_EQ(outcome.spf, "fail");
  EXPECT_EQ(outcome.dkim, "fail");
  EXPECT_EQ(outcome.dmarc, "fail");
  EXPECT_TRUE(outcome.dmarc_reject_policy);
  auto results = parsed(outcome);
  ASSERT_EQ(results.results.size(), 3u);
  EXPECT_EQ(results.results[1].result, "fail");
  EXPECT_EQ(property(results, "dmarc", "policy.dmarc"), "reject");
  EXPECT_NE(outcome.header.find("body hash mismatch"), std::string::npos) << outcome.header;
  auto python = relay::test::python_dkim_verify(message, nsd.address());
  EXPECT_NE(python.exit_code, 0) << python.out;
}

TEST_F(MessageAuthentication, EverySignatureGetsItsOwnResult) {
  if (!dkim::ed25519_supported()) GTEST_SKIP() << "this libopendkim has no ed25519";
  std::string message = sign(sign(kAlice, "s1", "rsa2048"), "s2", "ed25519");
  auto outcome = authenticate(message, "alice@auth.test");
  EXPECT_EQ(outcome.dkim, "pass");
  auto results = parsed(outcome);
  ASSERT_EQ(results.results.size(), 4u) << outcome.header;
  EXPECT_EQ(property(results, "dkim", "header.s", 0), "s2");
  EXPECT_EQ(property(results, "dkim", "header.a", 0), "ed25519-sha256");
  EXPECT_EQ(property(results, "dkim", "header.s", 1), "s1");
  EXPECT_EQ(results.results[1].result, "pass");
  EXPECT_EQ(results.results[2].result, "pass");
  EXPECT_NE(property(results, "dkim", "header.b", 0), property(results, "dkim", "header.b", 1));
}

struct SpfCase {
  const char* label;
  const char* mail_from;
  const char* client_ip;
  const char* expected;
};

class SpfResults : public MessageAuthentication, public ::testing::WithParamInterface<SpfCase> {};

TEST_P(SpfResults, ForTheClientAddress) {
  const SpfCase& c = GetParam();
  auto outcome = authenticate(kAlice, c.mail_from, c.client_ip);
  EXPECT_EQ(outcome.spf, c.expected) << outcome.header;
  auto results = parsed(outcome);
  ASSERT_FALSE(results.results.empty());
  EXPECT_EQ(results.results[0].result, c.expected);
  EXPECT_EQ(property(results, "spf", "smtp.mailfrom"), c.mail_from);
}

INSTANTIATE_TEST_SUITE_P(
    Records, SpfResults,
    ::testing::Values(SpfCase{"pass", "alice@auth.test", "192.0.2.10", "pass"},
                      SpfCase{"pass_ipv6", "alice@auth.test", "2001:db8::10", "pass"},
                      SpfCase{"pass_v4_mapped", "alice@auth.test", "::ffff:192.0.2.10", "pass"},
                      SpfCase{"fail", "alice@auth.test", "198.51.100.7", "fail"},
                      SpfCase{"softfail", "bob@softfail.auth.test", "198.51.100.7", "softfail"},
                      SpfCase{"neutral", "bob@neutral.auth.test", "198.51.100.7", "neutral"},
                      SpfCase{"none", "bob@nospf.auth.test", "192.0.2.10", "none"},
                      SpfCase{"unreadable_client", "alice@auth.test", "not-an-ip", "permerror"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST_F(MessageAuthentication, NullSenderIsCheckedByHeloAndAlignsDmarc) {
  auto outcome = authenticate(kAlice, "", "192.0.2.10", "mx.auth.test");
  EXPECT_EQ(outcome.spf, "pass");
  EXPECT_EQ(outcome.dkim, "none");
  EXPECT_EQ(outcome.dmarc, "pass");
  auto results = parsed(outcome);
  EXPECT_EQ(property(results, "spf", "smtp.helo"), "mx.auth.test");
  EXPECT_EQ(property(results, "spf", "smtp.mailfrom"), "");
  EXPECT_EQ(results.results[1].result, "none");

  auto elsewhere = authenticate(kAlice, "", "198.51.100.7", "mx.auth.test");
  EXPECT_EQ(elsewhere.spf, "fail");
  EXPECT_EQ(elsewhere.dmarc, "fail");
  EXPECT_TRUE(elsewhere.dmarc_reject_policy);
}

TEST_F(MessageAuthentication, StrictAlignmentNeedsTheSameDomain) {
  std::string message = sign(message_from("From: <x@strict.auth.test>\r\n"), "s1", "rsa2048");
  auto outcome = authenticate(message, "x@auth.test");
  EXPECT_EQ(outcome.spf, "pass");
  EXPECT_EQ(outcome.dkim, "pass");
  EXPECT_EQ(outcome.dmarc, "fail") << outcome.header;
  EXPECT_EQ(outcome.from_domain, "strict.auth.test");
  EXPECT_TRUE(outcome.dmarc_reject_policy);
  parsed(outcome);
}

TEST_F(MessageAuthentication, RelaxedAlignmentAcceptsTheOrganizationalDomain) {
  std::string message = sign(message_from("From: <bob@sub.auth.test>\r\n"), "s1", "rsa2048");
  auto outcome = authenticate(message, "x@elsewhere.auth.test", "198.51.100.7");
  EXPECT_EQ(outcome.dmarc, "pass") << outcome.header;
  EXPECT_EQ(outcome.dmarc_policy, "quarantine");  // sp of auth.test's record
}

TEST_F(MessageAuthentication, SubdomainPolicyAndPctDecideTheRejection) {
  auto sub = authenticate(message_from("From: <bob@sub.auth.test>\r\n"), "bob@sub.auth.test", "198.51.100.7");
  EXPECT_EQ(sub.dmarc, "fail");
  EXPECT_EQ(sub.dmarc_policy, "quarantine");
  EXPECT_FALSE(sub.dmarc_reject_policy);
  EXPECT_EQ(property(parsed(sub), "dmarc", "policy.dmarc"), "quarantine");

  auto pct0 = authenticate(message_from("From: <x@pct0.auth.test>\r\n"), "x@pct0.auth.test", "198.51.100.7");
  EXPECT_EQ(pct0.dmarc, "fail");
  EXPECT_EQ(pct0.dmarc_policy, "quarantine");  // one step down for mail outside pct (RFC 7489 §6.6.4)
  EXPECT_FALSE(pct0.dmarc_reject_policy);

  auto twice =
      authenticate(message_from("From: <x@twice.auth.test>\r\n"), "x@twice.auth.test", "198.51.100.7");
  EXPECT_EQ(twice.dmarc, "permerror");
  EXPECT_FALSE(twice.dmarc_reject_policy);
  parsed(twice);

  auto nospf = authenticate(message_from("From: <x@nospf.auth.test>\r\n"), "x@nospf.auth.test");
  EXPECT_EQ(nospf.spf, "none");
  EXPECT_EQ(nospf.dmarc, "fail") << nospf.header;
  EXPECT_EQ(nospf.dmarc_policy, "quarantine");
}

TEST_F(MessageAuthentication, NoFromOrSeveralFromIsPermerror) {
  for (const std::string& from :
       {std::string(), std::string("From: <a@auth.test>\r\nFrom: <b@auth.test>\r\n")}) {
    std::string message = sign(message_from("From: <a@auth.test>\r\n"), "s1", "rsa2048");
    auto at = message.find("From: <a@auth.test>\r\n");
    message.replace(at, std::string("From: <a@auth.test>\r\n").size(), from);
    auto outcome = authenticate(message, "a@auth.test");
    EXPECT_EQ(outcome.dmarc, "permerror") << outcome.header;
    EXPECT_EQ(outcome.from_domain, "");
    EXPECT_FALSE(outcome.dmarc_reject_policy);
    EXPECT_NE(outcome.header.find(from.empty() ? "(no From field)" : "(2 From fields)"), std::string::npos)
        << outcome.header;
    parsed(outcome);
  }
}

TEST_F(MessageAuthentication, DnsFailuresAreTemperrorNeverFail) {
  // nsd refuses questions about zones it does not serve
  auto outcome = authenticate(message_from("From: <x@down.example>\r\n"), "x@down.example");
  EXPECT_EQ(outcome.spf, "temperror");
  EXPECT_EQ(outcome.dmarc, "temperror");
  EXPECT_FALSE(outcome.dmarc_reject_policy);
  parsed(outcome);
}

TEST_F(MessageAuthentication, UntrustedTextCannotBreakTheField) {
  std::string evil_sender = "a\"b\\c\r\nX-Injected: yes (c) ;@auth.test";
  std::string message = message_from("From: <x@auth.test>\r\n");
  auto outcome = authenticate(message, evil_sender, "198.51.100.7", "evil\r\nX-Injected: helo");
  EXPECT_EQ(outcome.header.find("\r\nX-Injected"), std::string::npos) << outcome.header;
  auto results = parsed(outcome);
  EXPECT_EQ(property(results, "spf", "smtp.mailfrom"), "a\"b\\cX-Injected: yes (c) ;@auth.test");
  EXPECT_NE(outcome.header.find("\"a\\\"b\\\\cX-Injected: yes (c) ;@auth.test\""), std::string::npos)
      << outcome.header;
}

TEST_F(MessageAuthentication, ForgedResultsNamingUsAreRemovedOthersKept) {
  const std::string others =
      "Authentication-Results: other.example; dkim=pass header.d=auth.test\r\n"
      "X-Authentication-Results: mx.relay.test; spf=pass\r\n"
      "Authentication-Results: mx.relay.test.evil; spf=pass\r\n";
  const std::string received = "Received: from a by b; Mon, 23 Nov 2026 03:00:00 +0000\r\n";
  const std::string forged_case =
      "Authentication-Results: MX.Relay.Test; spf=pass smtp.mailfrom=a@auth.test\r\n";
  const std::string forged_rest =
      "authentication-results:(forged)\r\n \"mx.relay.test\" 1; dkim=pass\r\n"
      "Authentication-Results : mx.relay.test;\r\n\tdmarc=pass header.from=auth.test\r\n"
      "Authentication-Results: mx.relay.test(no space)\r\n";
  const std::string rest = "From: <alice@auth.test>\r\n\r\nAuthentication-Results: mx.relay.test; body\r\n";
  std::string message = received + forged_case + others + forged_rest + rest;
  EXPECT_EQ(remove_forged_results(message, kAuthservId), received + others + rest);

  // the message as it goes on: our field first, the forged ones gone; a message without any is unchanged
  std::string signed_message = sign(kAlice, "s1", "rsa2048");
  EXPECT_EQ(remove_forged_results(signed_message, kAuthservId), signed_message);
  std::string lf_only = "Authentication-Results: mx.relay.test; none\nSubject: x\n\nbody\n";
  EXPECT_EQ(remove_forged_results(lf_only, kAuthservId), "Subject: x\n\nbody\n");
  EXPECT_EQ(remove_forged_results(lf_only, ""), lf_only);
}

TEST_F(MessageAuthentication, PythonAuthresReadsTheField) {
  auto probe = relay::test::run({"/usr/bin/python3", "-c", "import authres"});
  if (probe.exit_code != 0) GTEST_SKIP() << "python3-authres is not installed";
  std::string message = sign(kAlice, "s1", "rsa2048");
  auto outcome = authenticate(message, "alice@auth.test");
  relay::test::RunOptions options;
  options.input = outcome.header;
  auto r = relay::test::run(
      {"/usr/bin/python3", "-c",
       "import sys, authres\n"
       "h = authres.AuthenticationResultsHeader.parse(sys.stdin.read().replace('\\r\\n\\t', ' ').strip())\n"
       "print(h.authserv_id)\n"
       "for r in h.results: print(r.method, r.result, ' '.join(p.type + '.' + p.name + '=' + p.value "
       "for p in r.properties))\n"},
      options);
  ASSERT_EQ(r.exit_code, 0) << r.err << outcome.header;
  EXPECT_NE(r.out.find("mx.relay.test\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("spf pass smtp.mailfrom=alice@auth.test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dkim pass header.d=auth.test header.s=s1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dmarc pass header.from=auth.test policy.dmarc=reject"), std::string::npos) << r.out;
}

struct ListingCase {
  const char* label;
  const char* client;
  std::vector<std::string> zones;
  const char* expected;  // "" = not listed
};

class ClientBlocklist : public MessageAuthentication, public ::testing::WithParamInterface<ListingCase> {};

TEST_P(ClientBlocklist, FirstListingZone) {
  const ListingCase& c = GetParam();
  auto client = asio::ip::make_address(c.client);
  auto zone = run(listed_in(*resolver, client, c.zones));
  EXPECT_EQ(zone.value_or(""), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Zones, ClientBlocklist,
    ::testing::Values(
        ListingCase{"listed", "192.0.2.20", {"bl.test"}, "bl.test"},
        ListingCase{"zone_case_and_dot", "192.0.2.20", {"BL.Test."}, "bl.test"},
        ListingCase{"first_configured_zone_named", "192.0.2.20", {"bl2.test", "bl.test"}, "bl2.test"},
        ListingCase{"second_zone_lists", "192.0.2.23", {"bl.test", "bl2.test"}, "bl2.test"},
        ListingCase{"not_listed", "192.0.2.22", {"bl.test", "bl2.test"}, ""},
        ListingCase{"refusal_code_is_not_a_listing", "192.0.2.21", {"bl.test"}, ""},
        ListingCase{"ipv6_nibbles", "2001:db8::20", {"bl.test"}, "bl.test"},
        ListingCase{"v4_mapped_client", "::ffff:192.0.2.20", {"bl.test"}, "bl.test"},
        ListingCase{"unreachable_zone_is_not_a_listing", "192.0.2.20", {"down.example"}, ""},
        ListingCase{"outage_then_listing", "192.0.2.20", {"down.example", "bl.test"}, "bl.test"},
        ListingCase{"no_zones", "192.0.2.20", {}, ""}),
    [](const auto& info) { return std::string(info.param.label); });

TEST_F(MessageAuthentication, ListingCarriesCodeAndReason) {
  auto client = asio::ip::make_address("192.0.2.20");
  std::vector<std::string> zones{"bl.test"};
  auto listing = run(find_listing(*resolver, client, zones));
  ASSERT_TRUE(listing);
  EXPECT_EQ(listing->zone, "bl.test");
  EXPECT_EQ(listing->code, "127.0.0.2");
  EXPECT_EQ(listing->reason, "Listed for spam, see https://bl.test/lookup?ip=192.0.2.20");
}

}  // namespace
