#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dns/preflight/address_class.hpp"
#include "dns/preflight/report.hpp"
#include "dns/preflight/tls_check.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace dns::preflight {
namespace {

using ::testing::HasSubstr;

// --- the report ----------------------------------------------------------------------------------------

TEST(PreflightReport, ExitCodeFollowsTheWorstStatus) {
  Report report;
  EXPECT_EQ(report.exit_code(), 0);
  report.add({"spf", "example.com", Status::warn, "d", "f"});
  EXPECT_EQ(report.exit_code(), 0);
  report.add({"dnsbl", "zen", Status::error, "d", "f"});
  EXPECT_EQ(report.exit_code(), 3);
  report.add({"rdns", "192.0.2.1", Status::fail, "d", "f"});
  EXPECT_EQ(report.exit_code(), 1);
}

TEST(PreflightReport, TableHasEveryFindingAndItsFix) {
  Report report;
  report.add({"rdns", "192.0.2.10", Status::fail, "no PTR record", "ask your provider for a PTR"});
  report.add({"spf", "example.com", Status::pass, "pass for 192.0.2.10", ""});
  std::string plain = render_table(report, false);
  EXPECT_THAT(plain, HasSubstr("CHECK  SUBJECT      STATUS  DETAIL\n"));
  EXPECT_THAT(plain, HasSubstr("rdns   192.0.2.10   fail    no PTR record\n"));
  EXPECT_THAT(plain, HasSubstr("\n" + std::string(28, ' ') + "fix: ask your provider for a PTR\n"));
  EXPECT_THAT(plain, HasSubstr("1 passed, 0 warnings, 1 failed, 0 could not be checked"));
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  EXPECT_THAT(render_table(report, true), HasSubstr("\033[31mfail  \033[0m"));
}

TEST(PreflightReport, JsonIsOneObject) {
  Report report;
  report.add({"dkim", "s1._domainkey.example.com", Status::warn, "1024-bit key", "use 2048 bits"});
  auto json = nlohmann::json::parse(render_json(report));
  EXPECT_EQ(json["findings"][0]["check"], "dkim");
  EXPECT_EQ(json["findings"][0]["status"], "warn");
  EXPECT_EQ(json["summary"]["warn"], 1);
  EXPECT_EQ(json["exit_code"], 0);
}

// --- address classes -----------------------------------------------------------------------------------

struct AddressCase {
  const char* address;
  AddressUse use;
  const char* range;
};

class AddressClassTest : public ::testing::TestWithParam<AddressCase> {};

TEST_P(AddressClassTest, Classifies) {
  auto c = classify_address(asio::ip::make_address(GetParam().address));
  EXPECT_EQ(c.use, GetParam().use) << c.description;
  EXPECT_EQ(c.range, GetParam().range);
}

INSTANTIATE_TEST_SUITE_P(
    Registry, AddressClassTest,
    ::testing::Values(AddressCase{"8.8.8.8", AddressUse::public_unicast, ""},
                      AddressCase{"100.64.0.1", AddressUse::not_routable, "100.64.0.0/10"},
                      AddressCase{"100.127.255.255", AddressUse::not_routable, "100.64.0.0/10"},
                      AddressCase{"100.128.0.1", AddressUse::public_unicast, ""},
                      AddressCase{"10.1.2.3", AddressUse::not_routable, "10.0.0.0/8"},
                      AddressCase{"172.31.0.1", AddressUse::not_routable, "172.16.0.0/12"},
                      AddressCase{"172.32.0.1", AddressUse::public_unicast, ""},
                      AddressCase{"192.168.1.1", AddressUse::not_routable, "192.168.0.0/16"},
                      AddressCase{"127.0.0.1", AddressUse::not_routable, "127.0.0.0/8"},
                      AddressCase{"169.254.1.1", AddressUse::not_routable, "169.254.0.0/16"},
                      AddressCase{"192.0.2.10", AddressUse::documentation, "192.0.2.0/24"},
                      AddressCase{"203.0.113.5", AddressUse::documentation, "203.0.113.0/24"},
                      AddressCase{"224.0.0.1", AddressUse::not_routable, "224.0.0.0/4"},
                      AddressCase{"255.255.255.255", AddressUse::not_routable, "240.0.0.0/4"},
                      AddressCase{"::ffff:10.0.0.1", AddressUse::not_routable, "10.0.0.0/8"},
                      AddressCase{"2a00:1450:4001::1", AddressUse::public_unicast, ""},
                      AddressCase{"2001:db8::25", AddressUse::documentation, "2001:db8::/32"},
                      AddressCase{"2001:0:1::1", AddressUse::not_routable, "2001::/23"},
                      AddressCase{"fd00::1", AddressUse::not_routable, "fc00::/7"},
                      AddressCase{"fe80::1", AddressUse::not_routable, "fe80::/10"},
                      AddressCase{"::1", AddressUse::not_routable, "::1/128"}));

TEST(LocalAddresses, IncludeLoopback) {
  auto addresses = local_addresses();
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), asio::ip::make_address("127.0.0.1")),
            addresses.end());
}

// --- the TLS certificate check, with certificates made by the openssl command ----------------------------

class TlsCheckTest : public ::testing::Test {
 protected:
  std::filesystem::path make_certificate(const std::string& name, const std::string& san, int days) {
    auto cert = dir_.path() / (name + ".crt"), key = dir_.path() / (name + ".key");
    auto result = relay::test::run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.string(), "-out",
                                    cert.string(), "-days", std::to_string(days), "-subj", "/CN=" + san,
                                    "-addext", "subjectAltName=DNS:" + san});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return cert;
  }
  std::filesystem::path key(const std::string& name) { return dir_.path() / (name + ".key"); }
  relay::test::TempDir dir_;
};

TEST_F(TlsCheckTest, SelfSignedForTheHostIsAWarning) {
  auto cert = make_certificate("good", "mx.example.test", 365);
  Finding f = check_certificate(cert, key("good"), "mx.example.test");
  EXPECT_EQ(f.status, Status::warn) << f.detail;
  EXPECT_THAT(f.detail, HasSubstr("valid for mx.example.test, expires in 36"));
  EXPECT_THAT(f.detail, HasSubstr("self-signed"));
}

TEST_F(TlsCheckTest, WrongHostFails) {
  auto cert = make_certificate("other", "other.example.test", 365);
  Finding f = check_certificate(cert, key("other"), "mx.example.test");
  EXPECT_EQ(f.status, Status::fail);
  EXPECT_THAT(f.detail, HasSubstr("the certificate is for other.example.test, not mx.example.test"));
}

TEST_F(TlsCheckTest, ExpiredAndNearExpiry) {
  auto cert = make_certificate("short", "mx.example.test", 10);
  auto in_a_month = std::chrono::system_clock::now() + std::chrono::hours(24 * 30);
  Finding expired = check_certificate(cert, key("short"), "mx.example.test", in_a_month);
  EXPECT_EQ(expired.status, Status::fail);
  EXPECT_THAT(expired.detail, HasSubstr("expired"));
  Finding soon = check_certificate(cert, key("short"), "mx.example.test");
  EXPECT_EQ(soon.status, Status::warn);
  EXPECT_THAT(soon.fix, HasSubstr("renew"));
}

TEST_F(TlsCheckTest, KeyOfAnotherCertificateFails) {
  auto cert = make_certificate("a", "mx.example.test", 365);
  make_certificate("b", "mx.example.test", 365);
  Finding f = check_certificate(cert, key("b"), "mx.example.test");
  EXPECT_EQ(f.status, Status::fail);
  EXPECT_THAT(f.detail, HasSubstr("does not belong to the certificate"));
}

TEST_F(TlsCheckTest, GarbageAndAbsence) {
  auto junk = dir_.write("junk.pem", "not a certificate");
  EXPECT_EQ(check_certificate(junk, junk, "mx.example.test").status, Status::fail);
  EXPECT_EQ(check_certificate("", "", "mx.example.test").status, Status::warn);
}

}  // namespace
}  // namespace dns::preflight
