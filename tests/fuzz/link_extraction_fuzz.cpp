// link_extraction_fuzz.cpp — fuzzes campaigns/message/link_extraction: any bytes, as an HTML part, as a text part
// and as one URL, must give only names that are valid lower-case host names with a dot and unchecked
// hosts in printable ASCII, each once, never more than the limit, and never crash or loop (the first byte
// picks the part kind and a small limit).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/message/link_extraction.hpp"
#include "dns/name.hpp"

namespace {

void check_host(const std::string& host) {
  if (!dns::is_valid_hostname(host) || host.find('.') == std::string::npos || host.back() == '.')
    __builtin_trap();
  if (std::any_of(host.begin(), host.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) __builtin_trap();
}

void check_unchecked(const std::string& host) {
  if (host.empty()) __builtin_trap();
  for (char c : host)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) __builtin_trap();
}

template <typename Check>
void check_list(const std::vector<std::string>& list, Check check) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    check(list[i]);
    if (std::find(list.begin() + static_cast<std::ptrdiff_t>(i) + 1, list.end(), list[i]) != list.end())
      __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto kind = (data[0] & 1) != 0 ? campaigns::PartKind::html : campaigns::PartKind::text;
  const campaigns::LinkLimits limits{.max_url = std::size_t{16} + (data[0] >> 1u),
                                     .max_hosts = std::size_t{1} + (data[0] >> 4u)};
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  campaigns::LinkHosts hosts;
  campaigns::extract_link_hosts(input, kind, hosts, limits);
  if (hosts.names.size() + hosts.unchecked.size() > limits.max_hosts) __builtin_trap();
  check_list(hosts.names, check_host);
  check_list(hosts.unchecked, check_unchecked);
  if (auto host = campaigns::url_host(input)) {
    if (host->name)
      check_host(host->host);
    else
      check_unchecked(host->host);
  }
  return 0;
}
