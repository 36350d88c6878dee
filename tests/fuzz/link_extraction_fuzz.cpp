// link_extraction_fuzz.cpp — fuzzes campaigns/link_extraction: any bytes, as an HTML part, as a text part
// and as one URL, must give only hosts that are valid lower-case host names with a dot, each once, never
// more than the limit, and never crash or loop (the first byte picks the part kind and a small limit).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/link_extraction.hpp"
#include "dns/name.hpp"

namespace {

void check_host(const std::string& host) {
  if (!dns::is_valid_hostname(host) || host.find('.') == std::string::npos || host.back() == '.')
    __builtin_trap();
  if (std::any_of(host.begin(), host.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto kind = (data[0] & 1) != 0 ? campaigns::PartKind::html : campaigns::PartKind::text;
  const campaigns::LinkLimits limits{.max_url = std::size_t{16} + (data[0] >> 1u),
                                     .max_hosts = std::size_t{1} + (data[0] >> 4u)};
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::vector<std::string> hosts;
  campaigns::extract_link_hosts(input, kind, hosts, limits);
  if (hosts.size() > limits.max_hosts) __builtin_trap();
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    check_host(hosts[i]);
    if (std::find(hosts.begin() + static_cast<std::ptrdiff_t>(i) + 1, hosts.end(), hosts[i]) != hosts.end())
      __builtin_trap();
  }
  if (auto host = campaigns::url_host(input)) check_host(*host);
  return 0;
}
