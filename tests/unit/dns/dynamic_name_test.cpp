// The dynamic-name heuristics on real PTR names: generic names of access networks (the IPs are the
// ones the names encode) and the names of real mail servers.
#include "dns/rdns/dynamic_name.hpp"

#include <gtest/gtest.h>

namespace dns::rdns {
namespace {

struct NameCase {
  const char* name;
  const char* ip;
  bool dynamic;
};

void PrintTo(const NameCase& c, std::ostream* os) {
  *os << c.name;
}

class DynamicNames : public ::testing::TestWithParam<NameCase> {};

TEST_P(DynamicNames, Verdict) {
  const auto& c = GetParam();
  auto reasons = dynamic_name_reasons(c.name, asio::ip::make_address(c.ip));
  std::string explained;
  for (const auto& reason : reasons)
    explained += reason.text + " (" + std::to_string(reason.weight) + "); ";
  EXPECT_EQ(score(reasons) >= kDynamicThreshold, c.dynamic) << explained;
}

INSTANTIATE_TEST_SUITE_P(
    RealNames, DynamicNames,
    ::testing::Values(NameCase{"c-67-171-0-90.hsd1.wa.comcast.net", "67.171.0.90", true},
                      NameCase{"pool-71-105-12-34.nycmny.fios.verizon.net", "71.105.12.34", true},
                      NameCase{"cpe-74-72-12-34.nyc.res.rr.com", "74.72.12.34", true},
                      NameCase{"adsl-99-12-34-56.dsl.irvnca.sbcglobal.net", "99.12.34.56", true},
                      NameCase{"p5B0C1D2E.dip0.t-ipconnect.de", "91.12.29.46", true},
                      NameCase{"host86-150-12-34.range86-150.btcentralplus.com", "86.150.12.34", true},
                      NameCase{"dynamic-acs-24-144-12-34.zoominternet.net", "24.144.12.34", true},
                      NameCase{"ppp-94-64-12-34.home.otenet.gr", "94.64.12.34", true},
                      NameCase{"34.12.105.71.dialup.example.net", "71.105.12.34", true},
                      NameCase{"dhcp-192-0-2-7.example.net", "192.0.2.7", true},
                      NameCase{"customer.071105012034.example.net", "71.105.12.34", true},
                      NameCase{"mail-ed1-f54.google.com", "209.85.208.54", false},
                      NameCase{"a8-65.smtp-out.amazonses.com", "54.240.8.65", false},
                      NameCase{"mx1.example.com", "192.0.2.25", false},
                      NameCase{"o1.email.mailchimp.com", "198.2.128.1", false},
                      NameCase{"mail.example.co.uk", "192.0.2.25", false},
                      NameCase{"static-198-51-100-7.example.net", "198.51.100.7", false},
                      NameCase{"smtp.office365.com", "40.99.1.2", false},
                      NameCase{"outbound.mailhop.org", "192.0.2.1", false}));

}  // namespace
}  // namespace dns::rdns
