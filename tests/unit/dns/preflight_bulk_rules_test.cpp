#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dns/preflight/bulk_rules.hpp"

namespace dns::preflight {
namespace {

using ::testing::HasSubstr;

const Finding& rule(const std::vector<Finding>& lines, std::string_view id) {
  for (const auto& line : lines)
    if (line.subject == id) return line;
  throw std::runtime_error("no rule " + std::string(id));
}

TEST(BulkRules, EachRuleTakesTheWorstOfItsChecks) {
  Report report;
  report.add({"spf", "example.com", Status::pass, "", ""});
  report.add({"dkim", "s1._domainkey.example.com", Status::warn, "1024-bit key", "use 2048"});
  report.add({"dmarc", "example.com", Status::pass, "", ""});
  report.add({"dmarc-alignment", "example.com", Status::fail, "", ""});
  report.add({"rdns", "192.0.2.10", Status::pass, "", ""});
  report.add({"ehlo", "192.0.2.10", Status::error, "DNS timeout", ""});
  report.add({"dnsbl", "192.0.2.10", Status::pass, "", ""});
  auto lines = evaluate_bulk_rules(report);
  EXPECT_EQ(rule(lines, "spf-and-dkim").status, Status::warn);
  EXPECT_THAT(rule(lines, "spf-and-dkim").detail, HasSubstr("dkim s1._domainkey.example.com warn"));
  EXPECT_EQ(rule(lines, "dmarc").status, Status::pass);
  EXPECT_TRUE(rule(lines, "dmarc").fix.empty());
  EXPECT_EQ(rule(lines, "alignment").status, Status::fail);
  EXPECT_THAT(rule(lines, "alignment").fix, HasSubstr("d= your From domain"));
  EXPECT_EQ(rule(lines, "forward-reverse-dns").status, Status::error);
  EXPECT_EQ(rule(lines, "not-listed").status, Status::pass);
}

TEST(BulkRules, UncheckedRulesSayHowToCheckThem) {
  auto lines = evaluate_bulk_rules(Report{});
  EXPECT_EQ(rule(lines, "one-click-unsubscribe").status, Status::warn);
  EXPECT_THAT(rule(lines, "one-click-unsubscribe").fix, HasSubstr("--message FILE"));
  EXPECT_THAT(rule(lines, "one-click-unsubscribe").detail, HasSubstr("not checked"));
  EXPECT_EQ(rule(lines, "spam-rate").status, Status::warn);
  EXPECT_EQ(lines.size(), bulk_rules().size() + 1);
  for (const auto& line : lines)
    EXPECT_EQ(line.check, "bulk-rules");
}

}  // namespace
}  // namespace dns::preflight
