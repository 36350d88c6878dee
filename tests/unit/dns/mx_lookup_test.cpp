// lookup_mx on a MemoryResolver: MX hosts by preference, the implicit MX (RFC 5321 §5.1) only for a domain
// with an address, NODATA for a domain with neither MX nor address, RFC 7505's null MX, and failures.
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include "dns/resolver/lookups.hpp"
#include "dns/resolver/memory_resolver.hpp"

namespace dns {
namespace {

MxLookup mx_of(Resolver& resolver, std::string domain) {
  asio::io_context io;
  auto future = asio::co_spawn(io, lookup_mx(resolver, std::move(domain)), asio::use_future);
  io.run();
  return future.get();
}

void fill(MemoryResolver& dns) {
  dns.add("mx.test", MxData{20, "b.mx.test"});
  dns.add("mx.test", MxData{10, "a.mx.test"});
  dns.add("v4.test", asio::ip::make_address("192.0.2.1"));
  dns.add("v6.test", asio::ip::make_address("2001:db8::1"));
  dns.add_txt("txtonly.test", "v=spf1 -all");
  dns.add("null.test", MxData{0, ""});
  dns.add_txt("afails.test", "v=spf1 -all");
  dns.set_status("afails.test", RecordType::a, Status::temporary);
  dns.add("v6afails.test", asio::ip::make_address("2001:db8::2"));
  dns.set_status("v6afails.test", RecordType::a, Status::temporary);
  dns.set_status("mxfails.test", RecordType::mx, Status::temporary);
}

struct MxCase {
  const char* domain;
  Status status;
  std::vector<std::string> hosts;  // exchanges in order
  bool implicit = false;
  bool null_mx = false;
};

void PrintTo(const MxCase& c, std::ostream* out) {
  *out << c.domain;
}

class MxLookups : public ::testing::TestWithParam<MxCase> {};

TEST_P(MxLookups, Answer) {
  const auto& c = GetParam();
  MemoryResolver dns;
  fill(dns);
  auto mx = mx_of(dns, c.domain);
  EXPECT_EQ(mx.status, c.status) << to_string(mx.status) << " " << mx.detail;
  std::vector<std::string> hosts;
  for (const auto& h : mx.hosts)
    hosts.push_back(h.exchange);
  EXPECT_EQ(hosts, c.hosts);
  EXPECT_EQ(mx.implicit, c.implicit);
  EXPECT_EQ(mx.null_mx, c.null_mx);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MxLookups,
    ::testing::Values(MxCase{"mx.test", Status::answer, {"a.mx.test", "b.mx.test"}},
                      MxCase{"v4.test", Status::answer, {"v4.test"}, true},
                      MxCase{"v6.test", Status::answer, {"v6.test"}, true},
                      // neither MX nor address: no implicit MX, the domain cannot receive mail
                      MxCase{"txtonly.test", Status::nodata, {}},
                      MxCase{"null.test", Status::answer, {}, false, true},
                      MxCase{"nowhere.test", Status::nxdomain, {}},
                      MxCase{"mxfails.test", Status::temporary, {}},
                      // no MX, and the address lookup failed: not known to be undeliverable
                      MxCase{"afails.test", Status::temporary, {}},
                      // no MX, an AAAA record although the A lookup failed: the implicit MX
                      MxCase{"v6afails.test", Status::answer, {"v6afails.test"}, true}),
    [](const auto& info) {
      std::string name = info.param.domain;
      std::erase(name, '.');
      return name;
    });

}  // namespace
}  // namespace dns
