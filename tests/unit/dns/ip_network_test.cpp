#include "dns/ip_network.hpp"

#include <gtest/gtest.h>

namespace dns {
namespace {

asio::ip::address ip(const char* text) {
  return asio::ip::make_address(text);
}

TEST(IpNetwork, ContainsByPrefix) {
  auto net = *IpNetwork::parse("192.0.2.0/24");
  EXPECT_TRUE(net.contains(ip("192.0.2.0")));
  EXPECT_TRUE(net.contains(ip("192.0.2.255")));
  EXPECT_FALSE(net.contains(ip("192.0.3.0")));
  EXPECT_FALSE(net.contains(ip("2001:db8::1")));
  auto odd = *IpNetwork::parse("10.0.0.0/9");
  EXPECT_TRUE(odd.contains(ip("10.127.255.255")));
  EXPECT_FALSE(odd.contains(ip("10.128.0.0")));
}

TEST(IpNetwork, HostBitsMayBeSetAsInSpf) {
  EXPECT_TRUE(IpNetwork::parse("192.0.2.77/24")->contains(ip("192.0.2.1")));
}

TEST(IpNetwork, SingleAddressesAndZeroLength) {
  EXPECT_EQ(IpNetwork::parse("192.0.2.1")->prefix_length(), 32u);
  EXPECT_EQ(IpNetwork::parse("::1")->prefix_length(), 128u);
  EXPECT_TRUE(IpNetwork::parse("0.0.0.0/0")->contains(ip("203.0.113.9")));
  EXPECT_TRUE(IpNetwork::parse("::/0")->contains(ip("2001:db8::9")));
}

TEST(IpNetwork, Ipv6Prefixes) {
  auto net = *IpNetwork::parse("2001:db8::/32");
  EXPECT_TRUE(net.contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(net.contains(ip("2001:db9::1")));
  EXPECT_TRUE(IpNetwork::parse("2001:db8::/127")->contains(ip("2001:db8::1")));
  EXPECT_FALSE(IpNetwork::parse("2001:db8::/128")->contains(ip("2001:db8::1")));
}

TEST(IpNetwork, MappedAddressesMatchAsIpv4) {
  EXPECT_TRUE(IpNetwork::parse("127.0.0.0/8")->contains(ip("::ffff:127.0.0.1")));
  auto mapped = *IpNetwork::parse("::ffff:10.0.0.0/104");
  EXPECT_EQ(mapped.to_string(), "10.0.0.0/8");
  EXPECT_TRUE(mapped.contains(ip("10.1.2.3")));
}

TEST(IpNetwork, RejectsMalformed) {
  for (const char* bad : {"", "192.0.2.0/", "192.0.2.0/33", "::/129", "192.0.2.0/08", "192.0.2/24", "x/8",
                          "192.0.2.0/-1", "::ffff:10.0.0.0/90"})
    EXPECT_FALSE(IpNetwork::parse(bad)) << bad;
}

}  // namespace
}  // namespace dns
