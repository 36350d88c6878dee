// spf_record_fuzz.cpp — fuzzes SPF record parsing and macro expansion (dns/spf/record.cpp, macro.cpp):
// any text must parse or be rejected, and expand or be rejected, without crashing or hanging.
#include <cstddef>
#include <cstdint>
#include <string>

#include "dns/spf/macro.hpp"
#include "dns/spf/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = dns::spf::parse_record("v=spf1 " + text);
  (void)parsed;
  dns::spf::MacroContext context;
  context.ip = asio::ip::make_address("2001:db8::1");
  context.local_part = "user";
  context.sender_domain = "example.test";
  context.domain = "example.test";
  context.helo = "mx.example.test";
  for (auto use : {dns::spf::MacroUse::domain_spec, dns::spf::MacroUse::explanation}) {
    auto expanded = dns::spf::expand_macros(text, context, use);
    if (expanded.text.has_value() != dns::spf::valid_macro_string(text, use)) __builtin_trap();
    if (expanded.text) (void)dns::spf::truncate_domain(*expanded.text);
  }
  return 0;
}
