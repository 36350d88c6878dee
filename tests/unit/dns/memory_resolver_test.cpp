#include "dns/resolver/memory_resolver.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

namespace dns {
namespace {

Response ask(Resolver& resolver, std::string name, RecordType type) {
  asio::io_context io;
  auto future = asio::co_spawn(io, resolver.query(std::move(name), type), asio::use_future);
  io.run();
  return future.get();
}

TEST(MemoryResolver, AnswersNxdomainNodataAndRecords) {
  MemoryResolver resolver;
  resolver.add("mx.example.com", asio::ip::make_address("192.0.2.25"));
  resolver.add("example.com", MxData{10, "mx.example.com"});
  resolver.add("25.2.0.192.in-addr.arpa", RecordType::ptr, NameData{"mx.example.com"});
  resolver.add_txt("example.com", "v=spf1 " + std::string(300, 'a') + " -all");

  auto a = ask(resolver, "MX.Example.com.", RecordType::a);
  ASSERT_EQ(a.status, Status::answer);
  EXPECT_EQ(std::get<asio::ip::address>(a.records[0].data).to_string(), "192.0.2.25");
  EXPECT_EQ(ask(resolver, "mx.example.com", RecordType::aaaa).status, Status::nodata);
  EXPECT_EQ(ask(resolver, "nope.example.com", RecordType::a).status, Status::nxdomain);
  EXPECT_EQ(
      std::get<NameData>(ask(resolver, "25.2.0.192.in-addr.arpa", RecordType::ptr).records[0].data).name,
      "mx.example.com");

  auto txt = std::get<TxtData>(ask(resolver, "example.com", RecordType::txt).records[0].data);
  EXPECT_EQ(txt.strings.size(), 2u);
  EXPECT_EQ(txt.joined(), "v=spf1 " + std::string(300, 'a') + " -all");
  EXPECT_EQ(resolver.queries(), 5u);
}

TEST(MemoryResolver, ForcedStatus) {
  MemoryResolver resolver;
  resolver.add("example.com", asio::ip::make_address("192.0.2.1"));
  resolver.set_status("example.com", RecordType::a, Status::temporary);
  EXPECT_EQ(ask(resolver, "example.com", RecordType::a).status, Status::temporary);
}

}  // namespace
}  // namespace dns
