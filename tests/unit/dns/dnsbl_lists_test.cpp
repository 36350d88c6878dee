// A list relayctl does not know (list_for_zone's generic definition): any 127.0.0.0/8 answer is a listing,
// except the refusal codes Spamhaus and the lists built like it answer (127.255.255.252 / .254 / .255).
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include "dns/dnsbl/check.hpp"
#include "dns/resolver/memory_resolver.hpp"

namespace dns::dnsbl {
namespace {

struct GenericCase {
  const char* answer;
  Verdict expected;
};

class GenericList : public ::testing::TestWithParam<GenericCase> {};

TEST_P(GenericList, AnswerMeaning) {
  MemoryResolver resolver;
  resolver.add("10.2.0.192.bl.example.test", asio::ip::make_address(GetParam().answer));
  ListDefinition list = list_for_zone("BL.Example.test.", ListKind::ip);
  EXPECT_EQ(list.zone, "bl.example.test");
  asio::io_context io;
  std::string target = "192.0.2.10";
  auto future = asio::co_spawn(io, check(resolver, list, target), asio::use_future);
  io.run();
  ListResult result = future.get();
  EXPECT_EQ(to_string(result.verdict), to_string(GetParam().expected)) << result.error;
  if (GetParam().expected == Verdict::error) {
    EXPECT_NE(result.error.find(GetParam().answer), std::string::npos);
  }
}

INSTANTIATE_TEST_SUITE_P(Answers, GenericList,
                         ::testing::Values(GenericCase{"127.0.0.2", Verdict::listed},
                                           GenericCase{"127.0.0.10", Verdict::listed},
                                           GenericCase{"127.255.255.252", Verdict::error},
                                           GenericCase{"127.255.255.254", Verdict::error},
                                           GenericCase{"127.255.255.255", Verdict::error},
                                           GenericCase{"192.0.2.1", Verdict::error}),
                         [](const auto& info) {
                           std::string name = info.param.answer;
                           for (char& c : name)
                             if (c == '.') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace dns::dnsbl
