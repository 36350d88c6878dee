#include "dns/dmarc/lookup.hpp"

#include "dns/name.hpp"

namespace dns {
namespace {

struct Fetch {
  Status status;
  std::vector<std::string> records;  // only those starting with v=DMARC1
  std::string detail;
};

asio::awaitable<Fetch> fetch(Resolver& resolver, const std::string& domain) {
  std::string name = "_dmarc." + domain;  // named: see the gcc 12 note in dns/resolver/resolver.hpp
  Response response = co_await resolver.query(name, RecordType::txt);
  Fetch out{response.status, {}, response.detail};
  for (const auto& record : response.records)
    if (const auto* txt = std::get_if<TxtData>(&record.data)) {
      std::string text = txt->joined();
      if (parse_dmarc(text).is_dmarc) out.records.push_back(std::move(text));
    }
  co_return out;
}

}  // namespace

std::optional<DmarcPolicy> DmarcLookup::applied_policy() const {
  if (outcome != Outcome::found) return std::nullopt;
  auto policy = parsed.effective_policy();
  if (policy && at_organizational_domain() && parsed.record.sp) return parsed.record.sp;
  return policy;
}

asio::awaitable<DmarcLookup> lookup_dmarc(Resolver& resolver, std::string from_domain) {
  DmarcLookup out;
  out.from_domain = canonical_name(from_domain);
  std::vector<std::string> candidates{out.from_domain};
  if (auto org = organizational_domain(out.from_domain); org && *org != out.from_domain)
    candidates.push_back(*org);

  for (const auto& domain : candidates) {
    Fetch result = co_await fetch(resolver, domain);
    if (result.status == Status::temporary || result.status == Status::malformed) {
      out.outcome = DmarcLookup::Outcome::temporary;
      out.detail =
          "_dmarc." + domain + " TXT: " + (result.detail.empty() ? "no usable answer" : result.detail);
      co_return out;
    }
    if (result.records.size() > 1) {
      out.outcome = DmarcLookup::Outcome::multiple;
      out.record_domain = domain;
      out.detail = std::to_string(result.records.size()) + " DMARC records at _dmarc." + domain;
      co_return out;
    }
    if (result.records.size() == 1) {
      out.outcome = DmarcLookup::Outcome::found;
      out.record_domain = domain;
      out.text = result.records.front();
      out.parsed = parse_dmarc(out.text);
      co_return out;
    }
  }
  out.outcome = DmarcLookup::Outcome::none;
  co_return out;
}

DmarcVerdict evaluate_dmarc(const DmarcRecord& record, std::string_view from_domain,
                            const std::optional<std::string>& spf_pass_domain,
                            const std::vector<std::string>& dkim_pass_domains) {
  DmarcVerdict verdict;
  verdict.spf_aligned = spf_pass_domain && aligned(*spf_pass_domain, from_domain, record.aspf);
  for (const auto& d : dkim_pass_domains)
    verdict.dkim_aligned = verdict.dkim_aligned || aligned(d, from_domain, record.adkim);
  return verdict;
}

}  // namespace dns
