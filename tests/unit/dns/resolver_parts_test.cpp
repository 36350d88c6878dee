// Unit tests of the resolver's parts that need no network: the message codec (against replies built by
// hand, including hostile ones), the cache, resolv.conf parsing and reverse names.
#include <gtest/gtest.h>

#include "dns/resolver/cache.hpp"
#include "dns/resolver/lookups.hpp"
#include "dns/resolver/message.hpp"
#include "dns/resolver/resolv_conf.hpp"

namespace dns {
namespace {

// A reply to `query`: the header flags, then answer records appended as raw wire octets.
std::vector<std::uint8_t> reply_to(std::vector<std::uint8_t> query, std::uint8_t rcode, std::uint16_t answers,
                                   const std::vector<std::uint8_t>& records, bool truncated = false) {
  query.resize(query.size() - 11);  // drop the EDNS OPT record (11 octets for an empty one)
  query[2] = static_cast<std::uint8_t>(0x81 | (truncated ? 0x02 : 0));
  query[3] = static_cast<std::uint8_t>(0x80 | rcode);
  query[6] = 0;
  query[7] = static_cast<std::uint8_t>(answers);
  query[10] = 0;
  query[11] = 0;  // no additional records
  query.insert(query.end(), records.begin(), records.end());
  return query;
}

// An A record owned by the question name (compression pointer to offset 12).
std::vector<std::uint8_t> a_record(std::uint8_t last_octet, std::uint16_t rdlength = 4) {
  std::vector<std::uint8_t> rr{0xc0, 12, 0,    1,    0, 1,
                               0,    0,  0x0e, 0x10, 0, static_cast<std::uint8_t>(rdlength)};
  for (std::uint16_t i = 0; i + 1 < rdlength; ++i)
    rr.push_back(192);
  rr.push_back(last_octet);
  return rr;
}

TEST(Message, QueryCarriesEdnsAndRejectsBadNames) {
  auto query = build_query(0x1234, "example.test", RecordType::mx);
  ASSERT_TRUE(query);
  EXPECT_EQ((*query)[0], 0x12);
  EXPECT_EQ((*query)[1], 0x34);
  EXPECT_EQ((*query)[11], 1);  // ARCOUNT: the OPT record
  auto size = query->size();
  EXPECT_EQ((*query)[size - 8], kEdnsPayload >> 8);
  EXPECT_EQ((*query)[size - 7], kEdnsPayload & 0xff);
  EXPECT_FALSE(build_query(1, std::string(64, 'a') + ".test", RecordType::a));
  std::string long_name;
  for (int i = 0; i < 26; ++i)
    long_name += "abcdefghi.";
  EXPECT_FALSE(build_query(1, long_name, RecordType::a));  // 260 octets
}

TEST(Message, MatchesIdAndQuestion) {
  auto query = *build_query(7, "example.test", RecordType::a);
  auto reply = reply_to(query, 0, 1, a_record(9));
  auto ours = parse_reply(reply, 7, "Example.Test.", RecordType::a);
  ASSERT_EQ(ours.verdict, ParsedReply::Verdict::ours);
  ASSERT_EQ(ours.response.status, Status::answer);
  EXPECT_EQ(std::get<asio::ip::address>(ours.response.records[0].data).to_string(), "192.192.192.9");
  EXPECT_EQ(ours.response.ttl, 3600u);
  EXPECT_EQ(parse_reply(reply, 8, "example.test", RecordType::a).verdict, ParsedReply::Verdict::mismatch);
  EXPECT_EQ(parse_reply(reply, 7, "other.test", RecordType::a).verdict, ParsedReply::Verdict::mismatch);
  EXPECT_EQ(parse_reply(reply, 7, "example.test", RecordType::aaaa).verdict, ParsedReply::Verdict::mismatch);
  EXPECT_EQ(parse_reply(query, 7, "example.test", RecordType::a).verdict,
            ParsedReply::Verdict::mismatch);  // QR not set: a query, not a reply
}

TEST(Message, RcodesTruncationAndGarbage) {
  auto query = *build_query(7, "example.test", RecordType::a);
  EXPECT_EQ(parse_reply(reply_to(query, 3, 0, {}), 7, "example.test", RecordType::a).response.status,
            Status::nxdomain);
  EXPECT_EQ(parse_reply(reply_to(query, 0, 0, {}), 7, "example.test", RecordType::a).response.status,
            Status::nodata);
  auto servfail = parse_reply(reply_to(query, 2, 0, {}), 7, "example.test", RecordType::a);
  EXPECT_EQ(servfail.response.status, Status::temporary);
  EXPECT_NE(servfail.response.detail.find("SERVFAIL"), std::string::npos);
  EXPECT_EQ(parse_reply(reply_to(query, 5, 0, {}), 7, "example.test", RecordType::a).response.status,
            Status::temporary);  // REFUSED
  EXPECT_TRUE(parse_reply(reply_to(query, 0, 0, {}, true), 7, "example.test", RecordType::a).truncated);

  auto short_rdata = parse_reply(reply_to(query, 0, 1, a_record(9, 3)), 7, "example.test", RecordType::a);
  EXPECT_FALSE(short_rdata.verdict == ParsedReply::Verdict::ours && short_rdata.response.ok());
  auto cut = reply_to(query, 0, 1, a_record(9));
  cut.resize(cut.size() - 3);
  EXPECT_EQ(parse_reply(cut, 7, "example.test", RecordType::a).verdict, ParsedReply::Verdict::malformed);
  auto lying_count = reply_to(query, 0, 9, a_record(9));
  EXPECT_EQ(parse_reply(lying_count, 7, "example.test", RecordType::a).verdict,
            ParsedReply::Verdict::malformed);
  std::vector<std::uint8_t> tiny{0, 7, 0x81};
  EXPECT_EQ(parse_reply(tiny, 7, "example.test", RecordType::a).verdict, ParsedReply::Verdict::malformed);
  auto pointer_loop = reply_to(query, 0, 1, {0xc0, static_cast<std::uint8_t>(query.size() - 11), 0, 1});
  EXPECT_EQ(parse_reply(pointer_loop, 7, "example.test", RecordType::a).verdict,
            ParsedReply::Verdict::malformed);
}

TEST(Cache, KeepsForTtlNegativeToo) {
  ResponseCache cache(10);
  auto now = ResponseCache::Clock::now();
  Response answer{Status::answer, {Record{RecordType::a, 60, asio::ip::make_address("192.0.2.1")}}, 60, ""};
  Response negative{Status::nxdomain, {}, 30, ""};
  Response temporary{Status::temporary, {}, 300, "timeout"};
  cache.put({"a.test", RecordType::a}, answer, now);
  cache.put({"b.test", RecordType::a}, negative, now);
  cache.put({"c.test", RecordType::a}, temporary, now);
  EXPECT_FALSE(cache.get({"c.test", RecordType::a}, now));
  auto later = cache.get({"a.test", RecordType::a}, now + std::chrono::seconds(20));
  ASSERT_TRUE(later);
  EXPECT_EQ(later->ttl, 40u);
  EXPECT_EQ(later->records[0].ttl, 40u);
  EXPECT_TRUE(cache.get({"b.test", RecordType::a}, now + std::chrono::seconds(29)));
  EXPECT_FALSE(cache.get({"b.test", RecordType::a}, now + std::chrono::seconds(30)));
  EXPECT_FALSE(cache.get({"a.test", RecordType::aaaa}, now));
}

TEST(Cache, EvictsLeastRecentlyUsedAtTheBound) {
  ResponseCache cache(2);
  auto now = ResponseCache::Clock::now();
  Response negative{Status::nodata, {}, 30, ""};
  cache.put({"1", RecordType::a}, negative, now);
  cache.put({"2", RecordType::a}, negative, now);
  EXPECT_TRUE(cache.get({"1", RecordType::a}, now));
  cache.put({"3", RecordType::a}, negative, now);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_TRUE(cache.get({"1", RecordType::a}, now));
  EXPECT_FALSE(cache.get({"2", RecordType::a}, now));
  EXPECT_TRUE(cache.get({"3", RecordType::a}, now));
}

TEST(ResolvConf, NameserverLines) {
  auto servers = parse_resolv_conf(
      "# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver ::1\n"
      "nameserver bogus\nnameserver 192.0.2.54\nnameserver 192.0.2.55\n");
  ASSERT_EQ(servers.size(), 3u);
  EXPECT_EQ(servers[0].address().to_string(), "192.0.2.53");
  EXPECT_EQ(servers[1].address().to_string(), "::1");
  EXPECT_EQ(servers[2].port(), 53);
  EXPECT_EQ(parse_resolv_conf("").front().address().to_string(), "127.0.0.1");
}

TEST(ReverseName, BothFamilies) {
  EXPECT_EQ(reverse_name(asio::ip::make_address("192.0.2.1")), "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name(asio::ip::make_address("::ffff:192.0.2.1")), "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name(asio::ip::make_address("2001:db8::1")),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

}  // namespace
}  // namespace dns
