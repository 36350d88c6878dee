// The per-client limits of the inbound listeners (mta/inbound/limits/client_limiter.hpp), on an injected
// clock: every limit, exemption, the IPv6 /64 grouping, the memory bound under a flood of distinct
// addresses (clients with open connections survive it), apply(), the byte-rate waits and the sustained
// over-budget flag.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mta/inbound/limits/client_limiter.hpp"

namespace {

using mta::inbound::ClientLimiter;
using mta::inbound::ClientRefusal;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

struct FakeClock {
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point{} + 1000h;
  ClientLimiter::Clock function() {
    return [this] { return now; };
  }
};

asio::ip::address ip(const char* text) {
  return asio::ip::make_address(text);
}

asio::ip::address v4(std::uint32_t n) {
  return asio::ip::address_v4(n);
}

// Every limit off: a test switches on the one it checks.
mta::config::ClientLimits no_limits() {
  mta::config::ClientLimits limits;
  limits.max_connections = 0;
  limits.connections_per_minute = 0;
  limits.messages_per_minute = 0;
  limits.bytes_per_second = 0;
  return limits;
}

TEST(ClientLimiter, RefusesConnectionsBeyondMaxConnectionsAtOnce) {
  FakeClock clock;
  auto limits = no_limits();
  limits.max_connections = 2;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("192.0.2.1"), b = ip("192.0.2.2");
  EXPECT_EQ(limiter.connect(a), ClientRefusal::none);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::none);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::too_many_connections);
  EXPECT_EQ(limiter.connect(b), ClientRefusal::none);  // another client is not affected
  limiter.disconnect(a);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::none);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::too_many_connections);
  EXPECT_EQ(limiter.refusals(ClientRefusal::too_many_connections), 2u);
  EXPECT_EQ(limiter.stats().connected, 2u);
  EXPECT_EQ(limiter.stats().admitted, 4u);
}

TEST(ClientLimiter, ExtraDisconnectsAreIgnored) {
  FakeClock clock;
  auto limits = no_limits();
  limits.max_connections = 1;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("192.0.2.1");
  limiter.disconnect(a);  // never connected
  EXPECT_EQ(limiter.connect(a), ClientRefusal::none);
  limiter.disconnect(a);
  limiter.disconnect(a);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::none);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::too_many_connections);  // the count did not go below zero
}

TEST(ClientLimiter, ConnectionRateIsABucketOfOneMinute) {
  FakeClock clock;
  auto limits = no_limits();
  limits.connections_per_minute = 3;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("198.51.100.7");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter.connect(a), ClientRefusal::none) << i;
    limiter.disconnect(a);
  }
  EXPECT_EQ(limiter.connect(a), ClientRefusal::connection_rate);
  EXPECT_EQ(limiter.connect(ip("198.51.100.8")), ClientRefusal::none);
  clock.now += 19s;
  EXPECT_EQ(limiter.connect(a), ClientRefusal::connection_rate);
  clock.now += 1s;  // one every 60/3 s
  EXPECT_EQ(limiter.connect(a), ClientRefusal::none);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::connection_rate);
  // Refused attempts take nothing: 20 s on, one more is admitted although two were refused meanwhile.
  clock.now += 20s;
  EXPECT_EQ(limiter.connect(a), ClientRefusal::none);
  clock.now += 10min;  // a full bucket holds one minute's worth, no more
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(limiter.connect(a), ClientRefusal::none) << i;
  EXPECT_EQ(limiter.connect(a), ClientRefusal::connection_rate);
  EXPECT_EQ(limiter.refusals(ClientRefusal::connection_rate), 4u);
}

TEST(ClientLimiter, MessageRate) {
  FakeClock clock;
  auto limits = no_limits();
  limits.messages_per_minute = 2;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("203.0.113.9");
  ASSERT_EQ(limiter.connect(a), ClientRefusal::none);
  EXPECT_EQ(limiter.message(a), ClientRefusal::none);
  EXPECT_EQ(limiter.message(a), ClientRefusal::none);
  EXPECT_EQ(limiter.message(a), ClientRefusal::message_rate);
  EXPECT_EQ(limiter.message(ip("203.0.113.10")), ClientRefusal::none);
  clock.now += 29s;
  EXPECT_EQ(limiter.message(a), ClientRefusal::message_rate);
  clock.now += 1s;
  EXPECT_EQ(limiter.message(a), ClientRefusal::none);
  EXPECT_EQ(limiter.refusals(ClientRefusal::message_rate), 2u);
}

TEST(ClientLimiter, ByteRateWaitsAfterABurstOfOneSecond) {
  FakeClock clock;
  auto limits = no_limits();
  limits.bytes_per_second = 1000;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("192.0.2.1");
  EXPECT_EQ(limiter.read(a, 600), 0ms);
  EXPECT_EQ(limiter.read(a, 400), 0ms);    // one second's worth at once
  EXPECT_EQ(limiter.read(a, 500), 500ms);  // then the rate
  clock.now += 500ms;
  EXPECT_EQ(limiter.read(a, 1000), 1000ms);
  clock.now += 1000ms;
  EXPECT_EQ(limiter.read(a, 1), 1ms);                   // rounded up, never a zero wait in debt
  EXPECT_EQ(limiter.read(ip("192.0.2.2"), 1000), 0ms);  // another client has its own budget
  EXPECT_EQ(limiter.stats().throttled_reads, 3u);
  EXPECT_EQ(limiter.stats().throttled_ms, 1501u);
}

TEST(ClientLimiter, ByteRateIsSharedByAClientsConnections) {
  FakeClock clock;
  auto limits = no_limits();
  limits.bytes_per_second = 1000;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("192.0.2.1");
  ASSERT_EQ(limiter.connect(a), ClientRefusal::none);
  ASSERT_EQ(limiter.connect(a), ClientRefusal::none);
  // Two connections reading 1000 bytes each at the same moment: the second pays for the first's too.
  EXPECT_EQ(limiter.read(a, 1000), 0ms);
  EXPECT_EQ(limiter.read(a, 1000), 1000ms);
  EXPECT_EQ(limiter.read(a, 1000), 2000ms);
}

TEST(ClientLimiter, ByteRateWithinTheBudgetNeverWaits) {
  FakeClock clock;
  auto limits = no_limits();
  limits.bytes_per_second = 1000;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("192.0.2.1");
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(limiter.read(a, 800), 0ms) << i;
    clock.now += 1s;
  }
  EXPECT_FALSE(limiter.over_byte_budget(a));
  EXPECT_EQ(limiter.stats().throttled_reads, 0u);
}

// A client that always has more to send: every read is followed by the wait read() asks for.
void send_flat_out(ClientLimiter& limiter, FakeClock& clock, const asio::ip::address& client,
                   std::chrono::seconds how_long) {
  auto end = clock.now + how_long;
  while (clock.now < end)
    clock.now += limiter.read(client, 4096);
}

TEST(ClientLimiter, OverTheByteBudgetForAMinuteIsSustained) {
  FakeClock clock;
  auto limits = no_limits();
  limits.bytes_per_second = 10000;
  limits.messages_per_minute = 100;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("192.0.2.1");
  ASSERT_EQ(limiter.connect(a), ClientRefusal::none);
  send_flat_out(limiter, clock, a, 30s);
  EXPECT_FALSE(limiter.over_byte_budget(a));
  EXPECT_EQ(limiter.message(a), ClientRefusal::none);
  send_flat_out(limiter, clock, a, 31s);
  EXPECT_TRUE(limiter.over_byte_budget(a));
  EXPECT_EQ(limiter.message(a), ClientRefusal::byte_rate);
  EXPECT_EQ(limiter.refusals(ClientRefusal::byte_rate), 1u);
  EXPECT_FALSE(limiter.over_byte_budget(ip("192.0.2.2")));
  // A pause long enough to refill half the bucket ends the stretch; the next one starts from zero.
  clock.now += 600ms;
  EXPECT_FALSE(limiter.over_byte_budget(a));
  EXPECT_EQ(limiter.message(a), ClientRefusal::none);
  send_flat_out(limiter, clock, a, 50s);
  EXPECT_FALSE(limiter.over_byte_budget(a));
}

// A short pause that leaves the bucket less than half full does not end the stretch.
TEST(ClientLimiter, AShortPauseDoesNotResetTheStretch) {
  FakeClock clock;
  auto limits = no_limits();
  limits.bytes_per_second = 10000;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("192.0.2.1");
  for (int i = 0; i < 6; ++i) {
    send_flat_out(limiter, clock, a, 10s);
    clock.now += 400ms;
    auto wait = limiter.read(a, 4096);  // the 400 ms of slack are taken at once by what was waiting
    EXPECT_GT(wait, 0ms);
    clock.now += wait;
  }
  send_flat_out(limiter, clock, a, 1s);
  EXPECT_TRUE(limiter.over_byte_budget(a));
}

TEST(ClientLimiter, ExemptNetworksBypassEveryLimit) {
  FakeClock clock;
  mta::config::ClientLimits limits;
  limits.max_connections = 1;
  limits.connections_per_minute = 1;
  limits.messages_per_minute = 1;
  limits.bytes_per_second = 10;
  limits.exempt = {*dns::IpNetwork::parse("192.0.2.0/24"), *dns::IpNetwork::parse("2001:db8::/32")};
  ClientLimiter limiter(limits, clock.function());
  for (auto client : {ip("192.0.2.77"), ip("2001:db8:1::1"), ip("::ffff:192.0.2.5")}) {
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(limiter.connect(client), ClientRefusal::none) << client.to_string();
      EXPECT_EQ(limiter.message(client), ClientRefusal::none);
      EXPECT_EQ(limiter.read(client, 100000), 0ms);
    }
    EXPECT_FALSE(limiter.over_byte_budget(client));
  }
  auto other = ip("198.51.100.1");
  EXPECT_EQ(limiter.connect(other), ClientRefusal::none);
  EXPECT_EQ(limiter.connect(other), ClientRefusal::too_many_connections);
  EXPECT_EQ(limiter.stats().connected, 4u);  // exempt clients are counted, never refused
}

TEST(ClientLimiter, IPv6ClientsAreGroupedPerSlash64) {
  FakeClock clock;
  auto limits = no_limits();
  limits.max_connections = 1;
  ClientLimiter limiter(limits, clock.function());
  EXPECT_EQ(limiter.connect(ip("2001:db8:1:2::1")), ClientRefusal::none);
  EXPECT_EQ(limiter.connect(ip("2001:db8:1:2:ffff:ffff:ffff:fffe")), ClientRefusal::too_many_connections);
  EXPECT_EQ(limiter.connect(ip("2001:db8:1:3::1")), ClientRefusal::none);
  limiter.disconnect(ip("2001:db8:1:2:aaaa::9"));  // the same /64: its connection ends
  EXPECT_EQ(limiter.connect(ip("2001:db8:1:2::77")), ClientRefusal::none);
  // IPv4-mapped addresses count as IPv4; IPv4 addresses are not grouped.
  EXPECT_EQ(limiter.connect(ip("192.0.2.1")), ClientRefusal::none);
  EXPECT_EQ(limiter.connect(ip("::ffff:192.0.2.1")), ClientRefusal::too_many_connections);
  EXPECT_EQ(limiter.connect(ip("192.0.2.2")), ClientRefusal::none);
  EXPECT_EQ(limiter.stats().tracked, 4u);
}

TEST(ClientLimiter, AFloodOfDistinctAddressesStaysWithinTheBound) {
  FakeClock clock;
  mta::config::ClientLimits limits;  // the defaults, with a small table
  limits.max_connections = 2;
  limits.max_tracked_clients = 1000;
  ClientLimiter limiter(limits, clock.function());
  // Ten clients hold their two connections through the flood.
  std::vector<asio::ip::address> holders;
  for (std::uint32_t i = 0; i < 10; ++i) {
    holders.push_back(v4(0x0A000000u + i));  // 10.0.0.i
    ASSERT_EQ(limiter.connect(holders.back()), ClientRefusal::none);
    ASSERT_EQ(limiter.connect(holders.back()), ClientRefusal::none);
  }
  std::size_t most = 0;
  for (std::uint32_t i = 0; i < 1000000; ++i) {
    auto client = v4(0xC0000000u + i);  // from 192.0.0.0 up
    ASSERT_EQ(limiter.connect(client), ClientRefusal::none);
    limiter.message(client);
    limiter.read(client, 512);
    limiter.disconnect(client);
    if (i % 1000 == 0) most = std::max(most, limiter.stats().tracked);
  }
  auto stats = limiter.stats();
  EXPECT_LE(most, 1000u);
  EXPECT_EQ(stats.tracked, 1000u);
  EXPECT_EQ(stats.evicted, 1000000u + 10u - 1000u);
  EXPECT_EQ(stats.connected, 10u);
  for (const auto& holder : holders) {  // remembered, and their counts right
    EXPECT_EQ(limiter.connect(holder), ClientRefusal::too_many_connections) << holder.to_string();
    limiter.disconnect(holder);
    EXPECT_EQ(limiter.connect(holder), ClientRefusal::none) << holder.to_string();
  }
}

TEST(ClientLimiter, AnIPv6FloodStaysWithinTheBound) {
  FakeClock clock;
  mta::config::ClientLimits limits;
  limits.max_tracked_clients = 500;
  ClientLimiter limiter(limits, clock.function());
  asio::ip::address_v6::bytes_type bytes{0x20, 0x01, 0x0d, 0xb8};
  for (std::uint32_t i = 0; i < 1000000; ++i) {
    bytes[4] = static_cast<unsigned char>(i >> 16);
    bytes[5] = static_cast<unsigned char>(i >> 8);
    bytes[6] = static_cast<unsigned char>(i);
    bytes[15] = static_cast<unsigned char>(i);
    asio::ip::address client = asio::ip::address_v6(bytes);
    ASSERT_EQ(limiter.connect(client), ClientRefusal::none);
    limiter.disconnect(client);
  }
  EXPECT_EQ(limiter.stats().tracked, 500u);
}

TEST(ClientLimiter, TheLeastRecentlySeenIdleClientIsForgottenFirst) {
  FakeClock clock;
  auto limits = no_limits();
  limits.connections_per_minute = 1;
  limits.max_tracked_clients = 3;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("192.0.2.1"), b = ip("192.0.2.2"), c = ip("192.0.2.3"), d = ip("192.0.2.4");
  for (auto client : {a, b, c}) {
    ASSERT_EQ(limiter.connect(client), ClientRefusal::none);
    limiter.disconnect(client);
  }
  EXPECT_EQ(limiter.connect(a), ClientRefusal::connection_rate);  // a seen again: b is now the oldest
  EXPECT_EQ(limiter.connect(d), ClientRefusal::none);             // b forgotten
  limiter.disconnect(d);
  EXPECT_EQ(limiter.connect(b), ClientRefusal::none);  // a fresh start; c forgotten
  limiter.disconnect(b);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::connection_rate);
  EXPECT_EQ(limiter.stats().tracked, 3u);
  EXPECT_EQ(limiter.stats().evicted, 2u);
}

TEST(ClientLimiter, ClientsWithOpenConnectionsAreNeverForgotten) {
  FakeClock clock;
  auto limits = no_limits();
  limits.max_connections = 1;
  limits.max_tracked_clients = 2;
  ClientLimiter limiter(limits, clock.function());
  // Three clients with a connection each: the table goes past its bound rather than lose a count.
  for (auto text : {"192.0.2.1", "192.0.2.2", "192.0.2.3"})
    ASSERT_EQ(limiter.connect(ip(text)), ClientRefusal::none);
  EXPECT_EQ(limiter.stats().tracked, 3u);
  for (auto text : {"192.0.2.1", "192.0.2.2", "192.0.2.3"})
    EXPECT_EQ(limiter.connect(ip(text)), ClientRefusal::too_many_connections);
  limiter.disconnect(ip("192.0.2.1"));
  EXPECT_EQ(limiter.connect(ip("192.0.2.4")), ClientRefusal::none);  // 192.0.2.1, now idle, goes
  EXPECT_EQ(limiter.stats().tracked, 3u);
  limiter.disconnect(ip("192.0.2.2"));
  limiter.disconnect(ip("192.0.2.3"));
  limiter.disconnect(ip("192.0.2.4"));
  EXPECT_EQ(limiter.connect(ip("192.0.2.5")), ClientRefusal::none);
  EXPECT_EQ(limiter.stats().tracked, 2u);
  EXPECT_EQ(limiter.stats().connected, 1u);
}

TEST(ClientLimiter, ApplyChangesTheLimitsAndKeepsTheCounts) {
  FakeClock clock;
  auto limits = no_limits();
  limits.max_connections = 1;
  limits.max_tracked_clients = 100;
  ClientLimiter limiter(limits, clock.function());
  auto a = ip("192.0.2.1");
  ASSERT_EQ(limiter.connect(a), ClientRefusal::none);
  for (std::uint32_t i = 0; i < 50; ++i) {
    ASSERT_EQ(limiter.connect(v4(0xC6336400u + i)), ClientRefusal::none);  // 198.51.100.i
    limiter.disconnect(v4(0xC6336400u + i));
  }
  limits.max_connections = 2;
  limits.max_tracked_clients = 10;
  limits.messages_per_minute = 1;
  limiter.apply(limits);
  EXPECT_EQ(limiter.stats().tracked, 10u);  // cut at once, the connected client kept
  EXPECT_EQ(limiter.connect(a), ClientRefusal::none);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::too_many_connections);
  EXPECT_EQ(limiter.message(a), ClientRefusal::none);
  EXPECT_EQ(limiter.message(a), ClientRefusal::message_rate);
  // Exempt from now on: still counted, so the disconnects after a later reload come out right.
  limits.exempt = {*dns::IpNetwork::parse("192.0.2.0/24")};
  limiter.apply(limits);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::none);
  EXPECT_EQ(limiter.message(a), ClientRefusal::none);
  limits.exempt.clear();
  limiter.apply(limits);
  limiter.disconnect(a);
  EXPECT_EQ(limiter.connect(a), ClientRefusal::too_many_connections);  // still two open
  limiter.disconnect(a);
  limiter.disconnect(a);
  EXPECT_EQ(limiter.stats().connected, 0u);
  // A limit switched off counts nothing; switched on again, its bucket fills as before.
  limits.messages_per_minute = 0;
  limiter.apply(limits);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(limiter.message(a), ClientRefusal::none);
  limits.messages_per_minute = 2;
  limiter.apply(limits);
  clock.now += 1min;
  EXPECT_EQ(limiter.message(a), ClientRefusal::none);
  EXPECT_EQ(limiter.message(a), ClientRefusal::none);
  EXPECT_EQ(limiter.message(a), ClientRefusal::message_rate);
}

TEST(ClientLimiter, ManyThreadsKeepTheCountsRight) {
  mta::config::ClientLimits limits;
  limits.max_connections = 1000;
  limits.connections_per_minute = 0;
  limits.max_tracked_clients = 64;
  ClientLimiter limiter(limits);
  std::atomic<unsigned> refused{0};
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (std::uint32_t i = 0; i < 20000; ++i) {
        auto client = v4(0xC0000200u + (i * 7 + t) % 200);
        if (limiter.connect(client) != ClientRefusal::none) {
          ++refused;
          continue;
        }
        limiter.message(client);
        limiter.read(client, 100);
        limiter.disconnect(client);
      }
    });
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(refused.load(), 0u);
  EXPECT_EQ(limiter.stats().connected, 0u);
  EXPECT_LE(limiter.stats().tracked, 64u);
  EXPECT_EQ(limiter.stats().admitted, 80000u);
}

TEST(ClientLimiter, RefusalNames) {
  EXPECT_EQ(to_string(ClientRefusal::too_many_connections), "too_many_connections");
  EXPECT_EQ(to_string(ClientRefusal::connection_rate), "connection_rate");
  EXPECT_EQ(to_string(ClientRefusal::message_rate), "message_rate");
  EXPECT_EQ(to_string(ClientRefusal::byte_rate), "byte_rate");
}

}  // namespace
