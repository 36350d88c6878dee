// check_reverse's policy-list part on a MemoryResolver: each answer ZEN may give for a forward-confirmed,
// static-looking IP — not listed, PBL, another list's code, the error codes, a DNS failure, a list that
// fails its test point — and what it does to the verdicts and policy_error.
#include <optional>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include "dns/rdns/reverse_check.hpp"
#include "dns/resolver/memory_resolver.hpp"

namespace dns::rdns {
namespace {

using Verdict = ReverseReport::Verdict;

struct PolicyCase {
  const char* label;
  std::optional<std::string> answer;  // ZEN's answer for the IP; nullopt: not listed
  Status status = Status::answer;     // or a failure of the query
  bool test_point = true;             // the list answers its RFC 5782 test point
  Verdict verdict;
  bool pbl_reason;
  const char* policy_error;  // in policy_error; "" for none
};

class PolicyList : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(PolicyList, Verdicts) {
  const auto& c = GetParam();
  const auto ip = asio::ip::make_address("192.0.2.25");
  MemoryResolver dns;
  dns.add("25.2.0.192.in-addr.arpa", RecordType::ptr, NameData{"mail.example.com"});
  dns.add("mail.example.com", ip);
  if (c.test_point) dns.add("2.0.0.127.zen.spamhaus.org", asio::ip::make_address("127.0.0.2"));
  dns.add_txt("zen.spamhaus.org", "the zone exists");
  if (c.answer) dns.add("25.2.0.192.zen.spamhaus.org", asio::ip::make_address(*c.answer));
  if (c.status != Status::answer) dns.set_status("25.2.0.192.zen.spamhaus.org", RecordType::a, c.status);

  asio::io_context io;
  ReverseOptions options;
  auto future = asio::co_spawn(io, check_reverse(dns, ip, options), asio::use_future);
  io.run();
  auto report = future.get();

  EXPECT_TRUE(report.fcrdns);
  EXPECT_EQ(report.naming, Verdict::looks_static);
  EXPECT_EQ(report.verdict, c.verdict) << to_string(report.verdict);
  bool pbl = false;
  for (const auto& reason : report.reasons)
    pbl = pbl || reason.code == "pbl";
  EXPECT_EQ(pbl, c.pbl_reason);
  if (*c.policy_error == '\0')
    EXPECT_EQ(report.policy_error, "");
  else
    EXPECT_NE(report.policy_error.find(c.policy_error), std::string::npos) << report.policy_error;
}

INSTANTIATE_TEST_SUITE_P(
    Zen, PolicyList,
    ::testing::Values(
        PolicyCase{"not_listed", std::nullopt, Status::answer, true, Verdict::looks_static, false, ""},
        PolicyCase{"pbl_isp", "127.0.0.10", Status::answer, true, Verdict::looks_dynamic, true, ""},
        PolicyCase{"pbl_spamhaus", "127.0.0.11", Status::answer, true, Verdict::looks_dynamic, true, ""},
        // an SBL listing is the dnsbl check's business, not evidence of a dynamic range
        PolicyCase{"sbl", "127.0.0.2", Status::answer, true, Verdict::looks_static, false, ""},
        PolicyCase{"typing_error", "127.255.255.252", Status::answer, true, Verdict::unknown, false,
                   "127.255.255.252"},
        PolicyCase{"public_resolver", "127.255.255.254", Status::answer, true, Verdict::unknown, false,
                   "127.255.255.254"},
        PolicyCase{"volume", "127.255.255.255", Status::answer, true, Verdict::unknown, false,
                   "127.255.255.255"},
        PolicyCase{"not_127", "192.0.2.1", Status::answer, true, Verdict::unknown, false, "outside 127.0.0.0/8"},
        PolicyCase{"dns_failure", std::nullopt, Status::temporary, true, Verdict::unknown, false,
                   "could not check"},
        PolicyCase{"dead_list", std::nullopt, Status::answer, false, Verdict::unknown, false, "test point"}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace dns::rdns
