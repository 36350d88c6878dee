#include "dns/resolver/lookups.hpp"

#include <algorithm>

#include "dns/ip_network.hpp"

namespace dns {

namespace {

template <typename T>
Lookup<T> failed(const Response& response) {
  return Lookup<T>{response.status, {}, response.detail};
}

asio::awaitable<Lookup<asio::ip::address>> addresses(Resolver& resolver, std::string name, RecordType type) {
  Response response = co_await resolver.query(std::move(name), type);
  auto out = failed<asio::ip::address>(response);
  for (const auto& record : response.records)
    if (const auto* address = std::get_if<asio::ip::address>(&record.data)) out.values.push_back(*address);
  co_return out;
}

asio::awaitable<Lookup<std::string>> names(Resolver& resolver, std::string name, RecordType type) {
  Response response = co_await resolver.query(std::move(name), type);
  auto out = failed<std::string>(response);
  for (const auto& record : response.records)
    if (const auto* target = std::get_if<NameData>(&record.data)) out.values.push_back(target->name);
  co_return out;
}

}  // namespace

asio::awaitable<Lookup<asio::ip::address>> lookup_a(Resolver& resolver, std::string name) {
  return addresses(resolver, std::move(name), RecordType::a);
}

asio::awaitable<Lookup<asio::ip::address>> lookup_aaaa(Resolver& resolver, std::string name) {
  return addresses(resolver, std::move(name), RecordType::aaaa);
}

asio::awaitable<Lookup<asio::ip::address>> lookup_addresses(Resolver& resolver, std::string name) {
  auto v4 = co_await lookup_a(resolver, name);
  auto v6 = co_await lookup_aaaa(resolver, name);
  Lookup<asio::ip::address> out;
  out.values = v4.values;
  out.values.insert(out.values.end(), v6.values.begin(), v6.values.end());
  if (!out.values.empty())
    out.status = Status::answer;
  else if (v4.status == Status::temporary || v6.status == Status::temporary)
    out.status = Status::temporary;
  else if (v4.status == Status::malformed || v6.status == Status::malformed)
    out.status = Status::malformed;
  else
    out.status = v4.status == Status::nxdomain ? Status::nxdomain : Status::nodata;
  out.detail = !v4.detail.empty() ? v4.detail : v6.detail;
  co_return out;
}

asio::awaitable<Lookup<std::string>> lookup_ptr(Resolver& resolver, asio::ip::address address) {
  return names(resolver, reverse_name(address), RecordType::ptr);
}

asio::awaitable<Lookup<std::string>> lookup_cname(Resolver& resolver, std::string name) {
  return names(resolver, std::move(name), RecordType::cname);
}

asio::awaitable<Lookup<std::string>> lookup_txt(Resolver& resolver, std::string name) {
  Response response = co_await resolver.query(std::move(name), RecordType::txt);
  auto out = failed<std::string>(response);
  for (const auto& record : response.records)
    if (const auto* txt = std::get_if<TxtData>(&record.data)) out.values.push_back(txt->joined());
  co_return out;
}

asio::awaitable<MxLookup> lookup_mx(Resolver& resolver, std::string domain) {
  Response response = co_await resolver.query(domain, RecordType::mx);
  Lookup<asio::ip::address> addresses;  // at function scope: gcc 12 and coroutine locals in nested blocks
  MxLookup out;
  out.status = response.status;
  out.detail = response.detail;
  if (response.status == Status::nodata) {
    // RFC 5321 §5.1: the domain itself is the MX only when it has an address.
    addresses = co_await lookup_addresses(resolver, domain);
    if (addresses.ok()) {
      out.status = Status::answer;
      out.implicit = true;
      out.hosts.push_back(MxData{0, domain});
    } else {
      out.status = addresses.status == Status::nxdomain ? Status::nodata : addresses.status;
      out.detail = addresses.detail;
    }
    co_return out;
  }
  for (const auto& record : response.records)
    if (const auto* mx = std::get_if<MxData>(&record.data)) out.hosts.push_back(*mx);
  if (out.hosts.size() == 1 && out.hosts[0].exchange.empty() && out.hosts[0].preference == 0) {
    out.null_mx = true;
    out.hosts.clear();
    co_return out;
  }
  std::erase_if(out.hosts, [](const MxData& mx) { return mx.exchange.empty(); });
  std::stable_sort(out.hosts.begin(), out.hosts.end(),
                   [](const MxData& a, const MxData& b) { return a.preference < b.preference; });
  co_return out;
}

std::string reverse_name(const asio::ip::address& address) {
  static constexpr char kHex[] = "0123456789abcdef";
  asio::ip::address ip = unmap_v4(address);
  std::string out;
  if (ip.is_v4()) {
    auto bytes = ip.to_v4().to_bytes();
    for (int i = 3; i >= 0; --i)
      out += std::to_string(bytes[i]) + ".";
    return out + "in-addr.arpa";
  }
  auto bytes = ip.to_v6().to_bytes();
  for (int i = 15; i >= 0; --i) {
    out += kHex[bytes[i] & 0xf];
    out += '.';
    out += kHex[bytes[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

}  // namespace dns
