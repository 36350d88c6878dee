#include "dns/spf/evaluator.hpp"

#include <chrono>
#include <optional>
#include <vector>

#include "dns/ascii.hpp"
#include "dns/ip_network.hpp"
#include "dns/name.hpp"
#include "dns/resolver/lookups.hpp"
#include "dns/spf/macro.hpp"
#include "dns/spf/record.hpp"

namespace dns::spf {

namespace {

struct Context {
  Resolver& resolver;
  const Request& request;
  asio::ip::address ip;  // unmapped
  MacroContext macros;   // identities; domain set per evaluation
  unsigned terms = 0;
  unsigned voids = 0;
  unsigned queries = 0;
  std::string mechanism;
  std::optional<std::vector<std::string>> validated;  // PTR names that resolve back to ip
};

struct HostResult {
  Result result = Result::none;
  std::string record;
  std::string explanation;
  std::string problem;
};

enum class Match { no, yes, temperror, permerror };
struct MatchResult {
  Match match = Match::no;
  std::string problem;
};

bool dns_error(Status status) {
  return status == Status::temporary || status == Status::malformed;
}

// §4.3: a multi-label name with labels of 1–63 octets, 253 in all.
bool valid_spf_domain(const std::string& domain) {
  if (domain.empty() || domain.size() > 253 || domain.find('.') == std::string::npos) return false;
  std::size_t start = 0;
  while (start <= domain.size()) {
    auto dot = domain.find('.', start);
    std::size_t end = dot == std::string::npos ? domain.size() : dot;
    if (end == start || end - start > 63) return false;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return true;
}

asio::awaitable<Response> ask(Context& c, const std::string& name, RecordType type) {
  ++c.queries;
  co_return co_await c.resolver.query(name, type);
}

// True while within the limit; counts a void lookup (§4.6.4) for NXDOMAIN and NODATA.
bool count_void(Context& c, const Response& response) {
  if (response.status == Status::nxdomain || response.status == Status::nodata) ++c.voids;
  return c.voids <= c.request.limits.void_lookups;
}

RecordType address_type(const Context& c) {
  return c.ip.is_v4() ? RecordType::a : RecordType::aaaa;
}

bool contains(const Response& response, const asio::ip::address& ip, unsigned cidr4, unsigned cidr6) {
  for (const auto& record : response.records) {
    const auto* address = std::get_if<asio::ip::address>(&record.data);
    if (!address || address->is_v4() != ip.is_v4()) continue;
    if (IpNetwork(*address, ip.is_v4() ? cidr4 : cidr6).contains(ip)) return true;
  }
  return false;
}

// The PTR names of ip whose A/AAAA records lead back to it (§5.5), at most limits.ptr_names tried.
asio::awaitable<std::vector<std::string>> validated_names(Context& c) {
  if (c.validated) co_return *c.validated;
  std::vector<std::string> out;
  std::string reverse = reverse_name(c.ip);
  Response ptr = co_await ask(c, reverse, RecordType::ptr);
  unsigned tried = 0;
  for (const auto& record : ptr.records) {
    if (tried++ >= c.request.limits.ptr_names) break;
    const auto* name = std::get_if<NameData>(&record.data);
    if (!name) continue;
    Response addresses = co_await ask(c, name->name, address_type(c));
    if (contains(addresses, c.ip, 32, 128)) out.push_back(name->name);
  }
  c.validated = out;
  co_return out;
}

bool within(const std::string& name, const std::string& domain) {
  return name == domain || (name.size() > domain.size() && name.ends_with(domain) &&
                            name[name.size() - domain.size() - 1] == '.');
}

// Expands a domain-spec ("" = the current domain); error set when the macros are bad.
asio::awaitable<std::optional<std::string>> target(Context& c, const std::string& spec,
                                                   const std::string& domain, std::string& error) {
  if (spec.empty()) co_return domain;
  MacroContext macros = c.macros;
  macros.domain = domain;
  if (uses_letter(spec, 'p')) {
    auto names = co_await validated_names(c);
    macros.validated_ptr = "unknown";
    for (const auto& name : names)
      if (within(name, domain)) macros.validated_ptr = name;
    if (macros.validated_ptr == "unknown" && !names.empty()) macros.validated_ptr = names.front();
  }
  auto expanded = expand_macros(spec, macros, MacroUse::domain_spec);
  if (!expanded.text) {
    error = expanded.error;
    co_return std::nullopt;
  }
  std::string name = *expanded.text;
  if (!name.empty() && name.back() == '.') name.pop_back();
  co_return ascii::lowered(truncate_domain(name));
}

asio::awaitable<HostResult> check_host(Context& c, const std::string& domain);

asio::awaitable<MatchResult> match_addresses(Context& c, const std::string& name, const Mechanism& m) {
  MatchResult out;
  if (!valid_spf_domain(name)) {
    ++c.voids;
    if (c.voids > c.request.limits.void_lookups) out = {Match::permerror, "more than 2 void lookups"};
    co_return out;
  }
  Response response = co_await ask(c, name, address_type(c));
  if (dns_error(response.status)) co_return MatchResult{Match::temperror, name + ": " + response.detail};
  if (!count_void(c, response)) co_return MatchResult{Match::permerror, "more than 2 void lookups"};
  if (contains(response, c.ip, m.cidr4, m.cidr6)) out.match = Match::yes;
  co_return out;
}

asio::awaitable<MatchResult> match_mx(Context& c, const std::string& name, const Mechanism& m) {
  MatchResult out;
  if (!valid_spf_domain(name)) co_return out;
  Response response = co_await ask(c, name, RecordType::mx);
  if (dns_error(response.status)) co_return MatchResult{Match::temperror, name + " MX: " + response.detail};
  if (!count_void(c, response)) co_return MatchResult{Match::permerror, "more than 2 void lookups"};
  if (response.records.size() > c.request.limits.mx_names)
    co_return MatchResult{Match::permerror, name + " has more than " +
                                                std::to_string(c.request.limits.mx_names) + " MX records"};
  for (const auto& record : response.records) {
    const auto* mx = std::get_if<MxData>(&record.data);
    if (!mx || mx->exchange.empty()) continue;
    Response addresses = co_await ask(c, mx->exchange, address_type(c));
    if (dns_error(addresses.status))
      co_return MatchResult{Match::temperror, mx->exchange + ": " + addresses.detail};
    if (contains(addresses, c.ip, m.cidr4, m.cidr6)) co_return MatchResult{Match::yes, ""};
  }
  co_return out;
}

asio::awaitable<MatchResult> evaluate(Context& c, const Mechanism& m, const std::string& domain) {
  if (m.kind == MechanismKind::all) co_return MatchResult{Match::yes, ""};
  if (m.kind == MechanismKind::ip4 || m.kind == MechanismKind::ip6) {
    bool family = (m.kind == MechanismKind::ip4) == c.ip.is_v4();
    co_return MatchResult{family && m.network->contains(c.ip) ? Match::yes : Match::no, ""};
  }
  std::string error;
  auto name = co_await target(c, m.domain_spec, domain, error);
  if (!name) co_return MatchResult{Match::permerror, "'" + m.text + "': " + error};
  switch (m.kind) {
    case MechanismKind::a:
      co_return co_await match_addresses(c, *name, m);
    case MechanismKind::mx:
      co_return co_await match_mx(c, *name, m);
    case MechanismKind::exists: {
      if (!valid_spf_domain(*name)) co_return MatchResult{};
      Response response = co_await ask(c, *name, RecordType::a);
      if (dns_error(response.status)) co_return MatchResult{Match::temperror, *name + ": " + response.detail};
      if (!count_void(c, response)) co_return MatchResult{Match::permerror, "more than 2 void lookups"};
      co_return MatchResult{response.ok() ? Match::yes : Match::no, ""};
    }
    case MechanismKind::ptr: {
      std::string reverse = reverse_name(c.ip);
      bool had_validated = c.validated.has_value();
      auto names = co_await validated_names(c);
      if (!had_validated && names.empty()) ++c.voids;  // approximates "the PTR query was void"
      if (c.voids > c.request.limits.void_lookups)
        co_return MatchResult{Match::permerror, "more than 2 void lookups"};
      for (const auto& validated : names)
        if (within(validated, *name)) co_return MatchResult{Match::yes, ""};
      co_return MatchResult{};
    }
    case MechanismKind::include: {
      HostResult inner = co_await check_host(c, *name);
      switch (inner.result) {
        case Result::pass:
          co_return MatchResult{Match::yes, ""};
        case Result::fail:
        case Result::softfail:
        case Result::neutral:
          co_return MatchResult{};
        case Result::temperror:
          co_return MatchResult{Match::temperror, inner.problem};
        case Result::none:
          co_return MatchResult{Match::permerror, "include:" + *name + " has no SPF record"};
        case Result::permerror:
          co_return MatchResult{Match::permerror, inner.problem};
      }
      co_return MatchResult{};
    }
    default:
      co_return MatchResult{};
  }
}

// §6.2: the exp= text of the record that failed, or a default; any problem with exp= gives the default.
asio::awaitable<std::string> explain(Context& c, const std::optional<std::string>& exp,
                                     const std::string& domain) {
  std::string fallback = domain + " does not designate " + c.ip.to_string() + " as a permitted sender";
  if (!exp) co_return fallback;
  std::string error;
  auto name = co_await target(c, *exp, domain, error);
  if (!name || !valid_spf_domain(*name)) co_return fallback;
  Response response = co_await ask(c, *name, RecordType::txt);
  if (response.status != Status::answer || response.records.size() != 1) co_return fallback;
  const auto* txt = std::get_if<TxtData>(&response.records.front().data);
  if (!txt) co_return fallback;
  MacroContext macros = c.macros;
  macros.domain = domain;
  auto expanded = expand_macros(txt->joined(), macros, MacroUse::explanation);
  co_return expanded.text ? *expanded.text : fallback;
}

Result result_of(Qualifier qualifier) {
  switch (qualifier) {
    case Qualifier::pass:
      return Result::pass;
    case Qualifier::fail:
      return Result::fail;
    case Qualifier::softfail:
      return Result::softfail;
    case Qualifier::neutral:
      return Result::neutral;
  }
  return Result::neutral;
}

HostResult error_result(Result result, std::string problem, std::string record = {}) {
  HostResult out;
  out.result = result;
  out.problem = std::move(problem);
  out.record = std::move(record);
  return out;
}

asio::awaitable<HostResult> check_host(Context& c, const std::string& domain_in) {
  std::string domain = canonical_name(domain_in);
  if (!valid_spf_domain(domain))
    co_return error_result(Result::none, "'" + domain + "' is not a valid domain");
  Response txt = co_await ask(c, domain, RecordType::txt);
  if (txt.status == Status::nxdomain) co_return error_result(Result::none, domain + " does not exist");
  if (dns_error(txt.status)) co_return error_result(Result::temperror, domain + " TXT: " + txt.detail);
  std::vector<std::string> texts;
  for (const auto& record : txt.records)
    if (const auto* data = std::get_if<TxtData>(&record.data)) texts.push_back(data->joined());
  Selection selection = select_record(texts);
  if (selection.kind == Selection::Kind::none)
    co_return error_result(Result::none, domain + " has no SPF record");
  if (selection.kind == Selection::Kind::several)
    co_return error_result(Result::permerror, domain + " has more than one SPF record");
  ParsedRecord parsed = parse_record(selection.record);
  if (!parsed.record)
    co_return error_result(Result::permerror, domain + ": " + parsed.error, selection.record);
  const Record& record = *parsed.record;

  for (const auto& mechanism : record.mechanisms) {
    if (mechanism.counts_dns() && ++c.terms > c.request.limits.dns_terms)
      co_return error_result(
          Result::permerror,
          "more than " + std::to_string(c.request.limits.dns_terms) + " DNS-querying terms",
          selection.record);
    MatchResult match = co_await evaluate(c, mechanism, domain);
    if (match.match == Match::temperror)
      co_return error_result(Result::temperror, match.problem, selection.record);
    if (match.match == Match::permerror)
      co_return error_result(Result::permerror, match.problem, selection.record);
    if (match.match == Match::yes) {
      HostResult out;
      out.result = result_of(mechanism.qualifier);
      out.record = selection.record;
      c.mechanism = c.mechanism.empty() ? domain + ": " + mechanism.text : c.mechanism;
      if (out.result == Result::fail) out.explanation = co_await explain(c, record.exp, domain);
      co_return out;
    }
    c.mechanism.clear();
  }
  if (record.redirect) {
    if (++c.terms > c.request.limits.dns_terms)
      co_return error_result(
          Result::permerror,
          "more than " + std::to_string(c.request.limits.dns_terms) + " DNS-querying terms",
          selection.record);
    std::string error;
    auto redirect = co_await target(c, *record.redirect, domain, error);
    if (!redirect) co_return error_result(Result::permerror, "redirect: " + error, selection.record);
    HostResult inner = co_await check_host(c, *redirect);
    if (inner.result == Result::none)
      co_return error_result(Result::permerror, "redirect=" + *redirect + " has no SPF record",
                             selection.record);
    inner.record = selection.record;
    co_return inner;
  }
  HostResult out;
  out.result = Result::neutral;
  out.record = selection.record;
  co_return out;
}

asio::awaitable<Outcome> run(Resolver& resolver, const Request& request, const std::string& domain,
                             const SenderParts& sender) {
  Context c{resolver, request, unmap_v4(request.ip), {}, 0, 0, 0, {}, std::nullopt};
  c.macros.ip = c.ip;
  c.macros.local_part = sender.local_part;
  c.macros.sender_domain = sender.domain;
  c.macros.helo = request.helo;
  c.macros.receiver = request.receiver;
  c.macros.timestamp = request.timestamp != 0 ? request.timestamp
                                              : std::chrono::duration_cast<std::chrono::seconds>(
                                                    std::chrono::system_clock::now().time_since_epoch())
                                                    .count();
  HostResult result = co_await check_host(c, domain);
  Outcome outcome;
  outcome.result = result.result;
  outcome.domain = canonical_name(domain);
  outcome.record = result.record;
  outcome.explanation = result.explanation;
  outcome.problem = result.problem;
  bool decided = result.result == Result::pass || result.result == Result::fail ||
                 result.result == Result::softfail ||
                 (result.result == Result::neutral && !c.mechanism.empty());
  if (decided) outcome.mechanism = c.mechanism;
  outcome.dns_lookups = c.terms;
  outcome.void_lookups = c.voids;
  outcome.queries = c.queries;
  co_return outcome;
}

}  // namespace

asio::awaitable<Outcome> check_sender(Resolver& resolver, const Request& request) {
  SenderParts sender = request.sender.empty() ? SenderParts{"postmaster", canonical_name(request.helo)}
                                              : split_sender(request.sender);
  std::string domain = sender.domain;
  co_return co_await run(resolver, request, domain, sender);
}

asio::awaitable<Outcome> check_helo(Resolver& resolver, const Request& request) {
  SenderParts sender{"postmaster", canonical_name(request.helo)};
  std::string domain = sender.domain;
  co_return co_await run(resolver, request, domain, sender);
}

std::string_view to_string(Result result) {
  switch (result) {
    case Result::none:
      return "none";
    case Result::neutral:
      return "neutral";
    case Result::pass:
      return "pass";
    case Result::fail:
      return "fail";
    case Result::softfail:
      return "softfail";
    case Result::temperror:
      return "temperror";
    case Result::permerror:
      return "permerror";
  }
  return "?";
}

}  // namespace dns::spf
