// The network resolver against a real nsd on loopback: every record type, CNAME chains and loops, TCP
// after truncation, NXDOMAIN/NODATA, caching (positive and RFC 2308 negative), coalescing, timeouts and
// failover to the next server.
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include "dns/resolver/lookups.hpp"
#include "dns/resolver/network_resolver.hpp"
#include "tests/support/nsd_server.hpp"

namespace {

using namespace dns;
using relay::test::NsdServer;
using relay::test::SilentDnsServer;

std::string big_txt() {
  std::string out;
  for (int i = 0; i < 12; ++i)
    out += "big TXT \"" + std::string(200, static_cast<char>('a' + i)) + "\"\n";
  return out;
}

const char* kZone = R"(
@        MX 20 mx2
@        MX 10 mx1
mx1      A 192.0.2.1
mx2      A 192.0.2.2
mx2      AAAA 2001:db8::2
host     A 192.0.2.10
host     A 192.0.2.11
nomx     A 192.0.2.12
null     MX 0 .
txt      TXT "v=spf1 " "ip4:192.0.2.0/24 " "-all"
alias    CNAME alias2
alias2   CNAME host
loop1    CNAME loop2
loop2    CNAME loop1
dangling CNAME nowhere
zero 0   A 192.0.2.99
)";

asio::ip::udp::endpoint local(unsigned short port) {
  return {asio::ip::make_address("127.0.0.1"), port};
}

struct Fixture : ::testing::Test {
  Fixture()
      : nsd({{"example.test", std::string(kZone) + big_txt()},
             {"2.0.192.in-addr.arpa", "10 PTR host.example.test.\n"}}) {}
  NetworkResolverOptions options(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    NetworkResolverOptions o;
    o.servers = {local(nsd.port())};
    o.timeout = timeout;
    return o;
  }
  template <typename T>
  T run(asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.restart();
    io.run();
    return future.get();
  }
  NsdServer nsd;
  asio::io_context io;
};

TEST_F(Fixture, TypedLookups) {
  NetworkResolver resolver(io.get_executor(), options());
  auto a = run(lookup_a(resolver, "HOST.example.test."));
  ASSERT_EQ(a.status, Status::answer) << a.detail;
  ASSERT_EQ(a.values.size(), 2u);

  auto mx = run(lookup_mx(resolver, "example.test"));
  ASSERT_EQ(mx.status, Status::answer);
  ASSERT_EQ(mx.hosts.size(), 2u);
  EXPECT_EQ(mx.hosts[0], (MxData{10, "mx1.example.test"}));
  EXPECT_EQ(mx.hosts[1], (MxData{20, "mx2.example.test"}));
  EXPECT_FALSE(mx.implicit);

  auto implicit = run(lookup_mx(resolver, "nomx.example.test"));
  ASSERT_EQ(implicit.status, Status::answer);
  EXPECT_TRUE(implicit.implicit);
  ASSERT_EQ(implicit.hosts.size(), 1u);
  EXPECT_EQ(implicit.hosts[0].exchange, "nomx.example.test");

  auto null_mx = run(lookup_mx(resolver, "null.example.test"));
  EXPECT_TRUE(null_mx.null_mx);
  EXPECT_TRUE(null_mx.hosts.empty());

  EXPECT_EQ(run(lookup_mx(resolver, "missing.example.test")).status, Status::nxdomain);

  auto aaaa = run(lookup_aaaa(resolver, "mx2.example.test"));
  ASSERT_EQ(aaaa.values.size(), 1u);
  EXPECT_EQ(aaaa.values[0].to_string(), "2001:db8::2");
  EXPECT_EQ(run(lookup_aaaa(resolver, "host.example.test")).status, Status::nodata);
  EXPECT_EQ(run(lookup_addresses(resolver, "mx2.example.test")).values.size(), 2u);

  auto txt = run(lookup_txt(resolver, "txt.example.test"));
  ASSERT_EQ(txt.values.size(), 1u);
  EXPECT_EQ(txt.values[0], "v=spf1 ip4:192.0.2.0/24 -all");

  auto ptr = run(lookup_ptr(resolver, asio::ip::make_address("192.0.2.10")));
  ASSERT_EQ(ptr.status, Status::answer);
  EXPECT_EQ(ptr.values, std::vector<std::string>{"host.example.test"});

  auto cname = run(lookup_cname(resolver, "alias.example.test"));
  EXPECT_EQ(cname.values, std::vector<std::string>{"alias2.example.test"});
}

TEST_F(Fixture, CnameChainsAndLoops) {
  NetworkResolver resolver(io.get_executor(), options());
  auto chained = run(lookup_a(resolver, "alias.example.test"));
  ASSERT_EQ(chained.status, Status::answer);
  EXPECT_EQ(chained.values.size(), 2u);
  EXPECT_EQ(run(lookup_a(resolver, "loop1.example.test")).status, Status::malformed);
  EXPECT_EQ(run(lookup_a(resolver, "dangling.example.test")).status, Status::nxdomain);
}

TEST_F(Fixture, TruncatedAnswerRetriedOverTcp) {
  NetworkResolver resolver(io.get_executor(), options());
  auto txt = run(lookup_txt(resolver, "big.example.test"));
  ASSERT_EQ(txt.status, Status::answer) << txt.detail;
  EXPECT_EQ(txt.values.size(), 12u);
}

TEST_F(Fixture, BadNamesAreMalformedWithoutTraffic) {
  NetworkResolver resolver(io.get_executor(), options());
  EXPECT_EQ(run(resolver.query(std::string(64, 'a') + ".example.test", RecordType::a)).status,
            Status::malformed);
  std::string long_name;
  while (long_name.size() < 260)
    long_name += "abcdefghi.";
  EXPECT_EQ(run(resolver.query(long_name + "test", RecordType::a)).status, Status::malformed);
}

TEST_F(Fixture, CachesAnswersAndNegativeAnswersForTheirTtl) {
  NetworkResolver resolver(io.get_executor(), options(std::chrono::milliseconds(300)));
  EXPECT_EQ(run(resolver.query("host.example.test", RecordType::a)).status, Status::answer);
  EXPECT_EQ(run(resolver.query("missing.example.test", RecordType::a)).status, Status::nxdomain);
  EXPECT_EQ(run(resolver.query("host.example.test", RecordType::aaaa)).status, Status::nodata);
  EXPECT_EQ(run(resolver.query("zero.example.test", RecordType::a)).status, Status::answer);
  std::size_t exchanges = resolver.exchanges();
  nsd.stop();
  auto cached = run(resolver.query("Host.Example.Test.", RecordType::a));
  EXPECT_EQ(cached.status, Status::answer);
  EXPECT_LE(cached.ttl, 300u);
  EXPECT_EQ(run(resolver.query("missing.example.test", RecordType::a)).status, Status::nxdomain);
  EXPECT_EQ(run(resolver.query("host.example.test", RecordType::aaaa)).status, Status::nodata);
  EXPECT_EQ(resolver.exchanges(), exchanges);
  // TTL 0 is never cached: with the server gone, the query fails.
  EXPECT_EQ(run(resolver.query("zero.example.test", RecordType::a)).status, Status::temporary);
}

TEST_F(Fixture, CoalescesIdenticalQueriesInFlight) {
  NetworkResolver resolver(io.get_executor(), options());
  std::vector<std::future<Response>> futures;
  for (int i = 0; i < 5; ++i)
    futures.push_back(
        asio::co_spawn(io, resolver.query("host.example.test", RecordType::a), asio::use_future));
  io.run();
  for (auto& future : futures)
    EXPECT_EQ(future.get().status, Status::answer);
  EXPECT_EQ(resolver.exchanges(), 1u);
}

TEST_F(Fixture, SilentServerTimesOutThenTheNextServerAnswers) {
  SilentDnsServer silent;
  auto o = options(std::chrono::milliseconds(300));
  o.servers.insert(o.servers.begin(), local(silent.port()));
  NetworkResolver resolver(io.get_executor(), o);
  auto started = std::chrono::steady_clock::now();
  auto a = run(lookup_a(resolver, "host.example.test"));
  EXPECT_EQ(a.status, Status::answer);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
  EXPECT_EQ(silent.received(), 1u);
}

TEST(NetworkResolverTimeout, OnlySilentServersIsTemporary) {
  SilentDnsServer silent;
  asio::io_context io;
  NetworkResolverOptions o;
  o.servers = {local(silent.port())};
  o.timeout = std::chrono::milliseconds(200);
  o.attempts = 2;
  NetworkResolver resolver(io.get_executor(), o);
  auto future = asio::co_spawn(io, resolver.query("example.test", RecordType::a), asio::use_future);
  io.run();
  auto response = future.get();
  EXPECT_EQ(response.status, Status::temporary);
  EXPECT_NE(response.detail.find("no answer from 127.0.0.1"), std::string::npos) << response.detail;
  EXPECT_EQ(silent.received(), 2u);
}

}  // namespace
