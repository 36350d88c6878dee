#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dns/dmarc/lookup.hpp"
#include "dns/dmarc/org_domain.hpp"
#include "dns/dmarc/record.hpp"
#include "dns/resolver/memory_resolver.hpp"

namespace dns {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// --- organizational domain and alignment (RFC 7489 §3.1, §3.2) -----------------------------------------

TEST(OrganizationalDomain, FollowsThePublicSuffixList) {
  EXPECT_EQ(organizational_domain("mail.example.com"), "example.com");
  EXPECT_EQ(organizational_domain("Example.COM."), "example.com");
  EXPECT_EQ(organizational_domain("a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(organizational_domain("news.example.test"),
            "example.test");  // unknown TLD: the implicit "*" rule
  EXPECT_FALSE(organizational_domain("co.uk"));
  EXPECT_FALSE(organizational_domain(""));
}

TEST(Alignment, StrictAndRelaxed) {
  EXPECT_TRUE(aligned("example.com", "EXAMPLE.com.", Alignment::strict));
  EXPECT_FALSE(aligned("bounce.example.com", "example.com", Alignment::strict));
  EXPECT_TRUE(aligned("bounce.example.com", "example.com", Alignment::relaxed));
  EXPECT_TRUE(aligned("a.example.com", "b.example.com", Alignment::relaxed));
  EXPECT_FALSE(aligned("example.net", "example.com", Alignment::relaxed));
  EXPECT_FALSE(aligned("a.example.co.uk", "b.other.co.uk", Alignment::relaxed));
  EXPECT_FALSE(aligned("", "example.com", Alignment::relaxed));
}

// --- record parsing (§6.3, §6.4) -------------------------------------------------------------------------

TEST(DmarcRecord, ParsesEveryTag) {
  auto parsed = parse_dmarc(
      "v=DMARC1; p=Reject; sp=quarantine; np=reject; adkim=s; aspf=r; pct=50; "
      "rua=mailto:agg@example.com,mailto:x@example.net!10m; ruf=mailto:f@example.com; fo=1; ri=3600; "
      "rf=afrf");
  ASSERT_TRUE(parsed.is_dmarc);
  EXPECT_TRUE(parsed.problems.empty()) << parsed.problems.front();
  const auto& r = parsed.record;
  EXPECT_EQ(r.p, DmarcPolicy::reject);
  EXPECT_EQ(r.sp, DmarcPolicy::quarantine);
  EXPECT_EQ(r.np, DmarcPolicy::reject);
  EXPECT_EQ(r.adkim, Alignment::strict);
  EXPECT_EQ(r.aspf, Alignment::relaxed);
  EXPECT_EQ(r.pct, 50u);
  EXPECT_THAT(r.rua, ElementsAre("mailto:agg@example.com", "mailto:x@example.net"));
  EXPECT_THAT(r.ruf, ElementsAre("mailto:f@example.com"));
  EXPECT_EQ(r.fo, "1");
  EXPECT_EQ(r.ri, 3600u);
}

TEST(DmarcRecord, DefaultsWhenTagsAreAbsent) {
  auto parsed = parse_dmarc("v=DMARC1;p=none");
  ASSERT_TRUE(parsed.is_dmarc);
  EXPECT_EQ(parsed.record.adkim, Alignment::relaxed);
  EXPECT_EQ(parsed.record.aspf, Alignment::relaxed);
  EXPECT_EQ(parsed.record.pct, 100u);
  EXPECT_FALSE(parsed.record.sp);
  EXPECT_EQ(parsed.effective_policy(), DmarcPolicy::none);
}

TEST(DmarcRecord, MustStartWithVersion) {
  EXPECT_FALSE(parse_dmarc("p=reject; v=DMARC1").is_dmarc);
  EXPECT_FALSE(parse_dmarc("v=spf1 -all").is_dmarc);
  EXPECT_FALSE(parse_dmarc("v=DMARC2; p=none").is_dmarc);
  EXPECT_FALSE(parse_dmarc("").is_dmarc);
  EXPECT_TRUE(parse_dmarc(" v = DMARC1 ; p = none ;").is_dmarc);
}

TEST(DmarcRecord, ReportsBadValuesAndIgnoresUnknownTags) {
  auto parsed = parse_dmarc("v=DMARC1; p=block; adkim=x; pct=150; rua=dmarc@example.com; future=1; ri=-3");
  ASSERT_TRUE(parsed.is_dmarc);
  ASSERT_EQ(parsed.problems.size(), 6u);
  EXPECT_THAT(parsed.problems[0], HasSubstr("p=block: expected none, quarantine or reject"));
  EXPECT_THAT(parsed.problems[1], HasSubstr("adkim=x"));
  EXPECT_THAT(parsed.problems[2], HasSubstr("pct=150"));
  EXPECT_THAT(parsed.problems[3], HasSubstr("is not a URI"));
  EXPECT_THAT(parsed.problems[4], HasSubstr("ri=-3"));
  EXPECT_THAT(parsed.problems[5], HasSubstr("p=: missing"));
  EXPECT_FALSE(parsed.effective_policy());  // no valid p and no valid rua: no DMARC processing
}

TEST(DmarcRecord, MissingPolicyWithReportAddressActsAsNone) {
  auto parsed = parse_dmarc("v=DMARC1; rua=mailto:agg@example.com");  // §6.6.3 step 6
  EXPECT_EQ(parsed.effective_policy(), DmarcPolicy::none);
  EXPECT_EQ(parsed.problems.size(), 1u);
}

TEST(DmarcRecord, GarbageNeverCrashes) {
  for (std::string text :
       {std::string("v=DMARC1;;;;"), std::string("v=DMARC1; =; ==; p"), std::string(100000, ';'),
        std::string("v=DMARC1; rua=") + std::string(100000, ','), std::string("\0\xff", 2)})
    parse_dmarc(text);
  auto many = parse_dmarc("v=DMARC1; p=none; rua=" + std::string(1000, 'a') + ":x");
  EXPECT_EQ(many.record.rua.size(), 1u);
}

// --- policy discovery (§6.6.3) ----------------------------------------------------------------------------

DmarcLookup discover(Resolver& resolver, std::string from) {
  asio::io_context io;
  auto future = asio::co_spawn(io, lookup_dmarc(resolver, std::move(from)), asio::use_future);
  io.run();
  return future.get();
}

TEST(DmarcLookup, FindsTheRecordAtTheFromDomain) {
  MemoryResolver dns;
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=none");
  dns.add_txt("_dmarc.example.com", "some other TXT record");
  auto found = discover(dns, "Example.com");
  ASSERT_EQ(found.outcome, DmarcLookup::Outcome::found);
  EXPECT_EQ(found.record_domain, "example.com");
  EXPECT_FALSE(found.at_organizational_domain());
  EXPECT_EQ(found.applied_policy(), DmarcPolicy::reject);
}

TEST(DmarcLookup, FallsBackToTheOrganizationalDomainAndAppliesSp) {
  MemoryResolver dns;
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine");
  auto found = discover(dns, "news.mail.example.com");
  ASSERT_EQ(found.outcome, DmarcLookup::Outcome::found);
  EXPECT_EQ(found.record_domain, "example.com");
  EXPECT_TRUE(found.at_organizational_domain());
  EXPECT_EQ(found.applied_policy(), DmarcPolicy::quarantine);
  EXPECT_EQ(dns.queries(), 2u);  // the From domain first, then the organizational domain only
}

TEST(DmarcLookup, NoRecordAnywhere) {
  MemoryResolver dns;
  EXPECT_EQ(discover(dns, "sub.example.com").outcome, DmarcLookup::Outcome::none);
}

TEST(DmarcLookup, MultipleRecordsEndDiscovery) {
  MemoryResolver dns;
  dns.add_txt("_dmarc.sub.example.com", "v=DMARC1; p=none");
  dns.add_txt("_dmarc.sub.example.com", "v=DMARC1; p=reject");
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  auto result = discover(dns, "sub.example.com");
  EXPECT_EQ(result.outcome, DmarcLookup::Outcome::multiple);
  EXPECT_FALSE(result.applied_policy());
}

TEST(DmarcLookup, TemporaryFailureIsNotAbsence) {
  MemoryResolver dns;
  dns.set_status("_dmarc.example.com", RecordType::txt, Status::temporary);
  auto result = discover(dns, "example.com");
  EXPECT_EQ(result.outcome, DmarcLookup::Outcome::temporary);
  EXPECT_THAT(result.detail, HasSubstr("_dmarc.example.com"));
}

// --- the verdict (§4.2) -----------------------------------------------------------------------------------

TEST(DmarcVerdict, PassesWhenSpfOrDkimAligns) {
  DmarcRecord relaxed = parse_dmarc("v=DMARC1; p=reject").record;
  DmarcRecord strict = parse_dmarc("v=DMARC1; p=reject; adkim=s; aspf=s").record;
  EXPECT_TRUE(evaluate_dmarc(relaxed, "example.com", "bounce.example.com", {}).pass());
  EXPECT_FALSE(evaluate_dmarc(strict, "example.com", "bounce.example.com", {}).pass());
  EXPECT_TRUE(evaluate_dmarc(strict, "example.com", "bounce.esp.net", {"example.com"}).dkim_aligned);
  EXPECT_FALSE(evaluate_dmarc(relaxed, "example.com", "esp.net", {"esp.net"}).pass());
  EXPECT_FALSE(evaluate_dmarc(relaxed, "example.com", std::nullopt, {}).pass());
}

}  // namespace
}  // namespace dns
