#include "dns/dnsbl/check.hpp"

#include "dns/ip_network.hpp"
#include "dns/name.hpp"
#include "dns/resolver/lookups.hpp"

namespace dns::dnsbl {

namespace {

std::optional<asio::ip::address> as_ip(const std::string& text) {
  asio::error_code error;
  auto ip = asio::ip::make_address(text, error);
  if (error) return std::nullopt;
  return unmap_v4(ip);
}

std::string strip_arpa(std::string name) {
  for (std::string_view suffix : {".in-addr.arpa", ".ip6.arpa"})
    if (name.ends_with(suffix)) return name.substr(0, name.size() - suffix.size());
  return name;
}

// What one answer address means; nullopt meaning is filled by the caller.
void interpret(const ListDefinition& list, const asio::ip::address& answer, ListResult& result,
               std::vector<std::string>& errors) {
  std::string code = answer.to_string();
  for (const auto& error : list.error_codes)
    if (error.code == code) {
      errors.push_back(code + ": " + error.meaning);
      return;
    }
  static const auto loopback = *IpNetwork::parse("127.0.0.0/8");
  if (!answer.is_v4() || !loopback.contains(answer)) {
    errors.push_back("unexpected answer " + code +
                     " (outside 127.0.0.0/8): the list may have shut down or be answering everything");
    return;
  }
  if (!list.bits.empty()) {
    unsigned last = answer.to_v4().to_bytes()[3];
    bool any = false;
    for (const auto& bit : list.bits)
      if (last & bit.bit) {
        result.codes.push_back({code, bit.meaning, false});
        any = true;
      }
    if (!any) result.codes.push_back({code, "listed (code " + code + ", meaning not known)", false});
    return;
  }
  for (const auto& known : list.codes)
    if (known.code == code) {
      result.codes.push_back(known);
      return;
    }
  result.codes.push_back({code, "listed (code " + code + ", meaning not known)", false});
}

}  // namespace

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::listed:
      return "listed";
    case Verdict::not_listed:
      return "not listed";
    case Verdict::error:
      return "error";
  }
  return "?";
}

std::optional<std::string> query_name(const std::string& target, const ListDefinition& list) {
  auto ip = as_ip(target);
  if (list.kind == ListKind::ip) {
    if (!ip) return std::nullopt;
    return strip_arpa(reverse_name(*ip)) + "." + list.zone;
  }
  if (ip || !is_valid_hostname(target)) return std::nullopt;
  std::string name = canonical_name(target) + "." + list.zone;
  if (name.size() > 253) return std::nullopt;
  return name;
}

asio::awaitable<ListResult> check(Resolver& resolver, const ListDefinition& list, std::string target) {
  ListResult result;
  result.list = list.name;
  result.zone = list.zone;
  result.target = target;
  result.delist_url = list.delist_url;
  auto name = query_name(target, list);
  if (!name) {
    result.error = list.kind == ListKind::ip
                       ? "'" + target + "' is not an IP address (this list lists IPs)"
                       : "'" + target + "' is not a domain name (this list lists domains)";
    co_return result;
  }
  result.query = *name;
  Response response = co_await resolver.query(*name, RecordType::a);
  if (response.status == Status::nxdomain || response.status == Status::nodata) {
    result.verdict = Verdict::not_listed;
    co_return result;
  }
  if (!response.ok()) {
    result.error = "could not check: " + response.detail;
    co_return result;
  }
  std::vector<std::string> errors;
  for (const auto& record : response.records)
    if (const auto* answer = std::get_if<asio::ip::address>(&record.data))
      interpret(list, *answer, result, errors);
  if (!errors.empty()) {
    result.codes.clear();
    result.error = "could not check: ";
    for (std::size_t i = 0; i < errors.size(); ++i)
      result.error += (i ? "; " : "") + errors[i];
    co_return result;
  }
  result.verdict = Verdict::listed;
  result.policy_only = true;
  for (const auto& code : result.codes)
    if (!code.policy) result.policy_only = false;
  auto txt = co_await lookup_txt(resolver, *name);
  if (txt.ok() && !txt.values.empty()) result.reason = txt.values.front().substr(0, 1000);
  co_return result;
}

asio::awaitable<std::optional<std::string>> probe(Resolver& resolver, const ListDefinition& list) {
  if (list.test_listed.empty()) co_return std::nullopt;
  ListResult listed = co_await check(resolver, list, list.test_listed);
  if (listed.verdict == Verdict::error) co_return "its test point " + list.test_listed + ": " + listed.error;
  if (listed.verdict != Verdict::listed)
    co_return "its test point " + list.test_listed + " is not listed: the list is not answering (shut down?)";
  if (list.test_unlisted.empty()) co_return std::nullopt;
  ListResult unlisted = co_await check(resolver, list, list.test_unlisted);
  if (unlisted.verdict == Verdict::listed)
    co_return "its test point " + list.test_unlisted + " is listed: the list answers every query (wildcard)";
  co_return std::nullopt;
}

asio::awaitable<ListResult> probe_and_check(Resolver& resolver, const ListDefinition& list,
                                            std::string target) {
  auto broken = co_await probe(resolver, list);
  if (broken) {
    ListResult result;
    result.list = list.name;
    result.zone = list.zone;
    result.target = target;
    result.query = query_name(target, list).value_or("");
    result.delist_url = list.delist_url;
    result.error = "could not check: " + *broken;
    co_return result;
  }
  co_return co_await check(resolver, list, target);
}

}  // namespace dns::dnsbl
