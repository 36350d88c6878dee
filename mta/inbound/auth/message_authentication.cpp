#include "mta/inbound/auth/message_authentication.hpp"

#include <random>

#include "dkim/tag_list.hpp"
#include "dns/dmarc/lookup.hpp"
#include "dns/ip_network.hpp"
#include "dns/name.hpp"
#include "dns/resolver/lookups.hpp"
#include "dns/spf/evaluator.hpp"
#include "mta/inbound/auth/authentication_results.hpp"
#include "mta/inbound/message_fields.hpp"

namespace mta::inbound::auth {
namespace {

constexpr std::size_t kMaxValue = 320;  // an SMTP path is at most 256 octets (RFC 5321 §4.5.3.1.3)

std::string bounded(std::string_view text) {
  return std::string(text.substr(0, kMaxValue));
}

struct SpfPart {
  ResultInfo info;
  dns::spf::Result result = dns::spf::Result::none;
  std::string domain;  // what SPF checked
};

asio::awaitable<SpfPart> check_spf(dns::Resolver& resolver, const AuthenticationInput& input) {
  SpfPart part;
  part.info.method = "spf";
  if (input.mail_from.empty())
    part.info.properties.push_back({"smtp", "helo", bounded(input.helo)});
  else
    part.info.properties.push_back({"smtp", "mailfrom", bounded(input.mail_from)});
  asio::error_code error;
  auto ip = asio::ip::make_address(input.client_ip, error);
  if (error) {
    part.result = dns::spf::Result::permerror;
    part.info.result = "permerror";
    part.info.comment = "client address unreadable";
    co_return part;
  }
  dns::spf::Request request;
  request.ip = dns::unmap_v4(ip);
  request.sender = input.mail_from;
  request.helo = input.helo;
  request.receiver = input.authserv_id.empty() ? "unknown" : input.authserv_id;
  dns::spf::Outcome outcome = co_await dns::spf::check_sender(resolver, request);
  part.result = outcome.result;
  part.domain = outcome.domain;
  part.info.result = std::string(dns::spf::to_string(outcome.result));
  if (!outcome.problem.empty())
    part.info.comment = outcome.problem;
  else if (!outcome.mechanism.empty())
    part.info.comment = request.ip.to_string() + " matched " + outcome.mechanism;
  else if (outcome.result == dns::spf::Result::none && !outcome.domain.empty())
    part.info.comment = "no SPF record at " + outcome.domain;
  co_return part;
}

// The first 8 characters of each DKIM-Signature's b= (RFC 6008), in header order.
std::vector<std::string> signature_prefixes(const dkim::Message& message) {
  std::vector<std::string> out;
  for (const auto* field : message.fields("DKIM-Signature")) {
    std::string prefix;
    if (auto tags = dkim::parse_tag_list(field->value()))
      if (const auto* b = dkim::find_tag(*tags, "b")) prefix = dkim::strip_whitespace(*b).substr(0, 8);
    out.push_back(prefix);
  }
  return out;
}

std::string summary(const std::vector<dkim::SignatureVerdict>& signatures) {
  if (signatures.empty()) return "none";
  for (auto wanted : {dkim::VerifyResult::pass, dkim::VerifyResult::fail, dkim::VerifyResult::temperror,
                      dkim::VerifyResult::neutral})
    for (const auto& signature : signatures)
      if (signature.result == wanted) return std::string(dkim::to_string(wanted));
  return "permerror";
}

struct DkimPart {
  std::vector<ResultInfo> infos;
  std::string word = "none";
  std::vector<dkim::SignatureVerdict> signatures;
};

asio::awaitable<DkimPart> check_dkim(dns::Resolver& resolver, const dkim::Verifier& verifier,
                                     const dkim::Result<dkim::Message>& message) {
  DkimPart part;
  if (!message) {
    co_return part;
  }
  auto names = verifier.key_names(*message);
  dkim::KeyAnswers keys;
  for (auto& name : names)
    keys[name] = co_await dns::lookup_txt(resolver, name);
  auto verification = verifier.verify(*message, keys);
  if (!verification) {
    part.word = "permerror";
    part.infos.push_back({"dkim", "permerror", verification.error(), {}});
    co_return part;
  }
  part.signatures = verification->signatures;
  part.word = summary(part.signatures);
  auto prefixes = signature_prefixes(*message);
  bool same_order = prefixes.size() == part.signatures.size();
  for (std::size_t i = 0; i < part.signatures.size(); ++i) {
    const auto& signature = part.signatures[i];
    ResultInfo info{"dkim", std::string(dkim::to_string(signature.result)), signature.reason, {}};
    if (signature.testing) info.comment += info.comment.empty() ? "testing key" : ", testing key";
    if (!signature.domain.empty()) info.properties.push_back({"header", "d", bounded(signature.domain)});
    if (!signature.selector.empty()) info.properties.push_back({"header", "s", bounded(signature.selector)});
    if (!signature.algorithm.empty()) info.properties.push_back({"header", "a", signature.algorithm});
    if (same_order && !prefixes[i].empty()) info.properties.push_back({"header", "b", prefixes[i]});
    part.infos.push_back(std::move(info));
  }
  co_return part;
}

// A policy lowered one step for a message outside pct (RFC 7489 §6.6.4).
dns::DmarcPolicy sampled(dns::DmarcPolicy policy, unsigned pct) {
  if (pct >= 100 || policy == dns::DmarcPolicy::none) return policy;
  thread_local std::mt19937 random{std::random_device{}()};
  if (std::uniform_int_distribution<unsigned>(0, 99)(random) < pct) return policy;
  return policy == dns::DmarcPolicy::reject ? dns::DmarcPolicy::quarantine : dns::DmarcPolicy::none;
}

struct DmarcPart {
  ResultInfo info;
  std::optional<dns::DmarcPolicy> policy;
};

// The From domain, or the reason DMARC cannot be evaluated (RFC 7489 §6.6.1).
std::variant<std::string, std::string> from_domain_of(const dkim::Result<dkim::Message>& message) {
  using Out = std::variant<std::string, std::string>;
  if (!message) return Out(std::in_place_index<1>, "message header unreadable: " + message.error());
  auto fields = message->fields("From");
  if (fields.empty()) return Out(std::in_place_index<1>, "no From field");
  if (fields.size() > 1) return Out(std::in_place_index<1>, std::to_string(fields.size()) + " From fields");
  auto domain = dkim::from_domain(*message);
  if (!domain) return Out(std::in_place_index<1>, "From: " + domain.error());
  return Out(std::in_place_index<0>, *domain);
}

asio::awaitable<DmarcPart> check_dmarc(dns::Resolver& resolver, const std::string& from_domain,
                                       const SpfPart& spf, const DkimPart& dkim_part) {
  DmarcPart part;
  part.info.method = "dmarc";
  part.info.properties.push_back({"header", "from", bounded(from_domain)});
  std::string domain = from_domain;
  dns::DmarcLookup lookup = co_await dns::lookup_dmarc(resolver, domain);
  switch (lookup.outcome) {
    case dns::DmarcLookup::Outcome::temporary:
      part.info.result = "temperror";
      part.info.comment = lookup.detail;
      co_return part;
    case dns::DmarcLookup::Outcome::none:
      part.info.result = "none";
      co_return part;
    case dns::DmarcLookup::Outcome::multiple:
      part.info.result = "permerror";
      part.info.comment = lookup.detail;
      co_return part;
    case dns::DmarcLookup::Outcome::found:
      break;
  }
  auto published = lookup.applied_policy();
  if (!published) {
    part.info.result = "permerror";
    part.info.comment = "unusable DMARC record at _dmarc." + lookup.record_domain +
                        (lookup.parsed.problems.empty() ? "" : ": " + lookup.parsed.problems.front());
    co_return part;
  }
  std::optional<std::string> spf_domain;
  if (spf.result == dns::spf::Result::pass && !spf.domain.empty()) spf_domain = spf.domain;
  std::vector<std::string> dkim_domains;
  bool aligned_dkim_temperror = false;
  const auto& record = lookup.parsed.record;
  for (const auto& signature : dkim_part.signatures) {
    if (signature.result == dkim::VerifyResult::pass) dkim_domains.push_back(signature.domain);
    if (signature.result == dkim::VerifyResult::temperror &&
        dns::aligned(signature.domain, lookup.from_domain, record.adkim))
      aligned_dkim_temperror = true;
  }
  auto verdict = dns::evaluate_dmarc(record, lookup.from_domain, spf_domain, dkim_domains);
  part.policy = *published;
  if (verdict.pass()) {
    part.info.result = "pass";
    part.info.comment = verdict.spf_aligned && verdict.dkim_aligned ? "SPF and DKIM aligned"
                        : verdict.spf_aligned                       ? "SPF aligned"
                                                                    : "DKIM aligned";
  } else if (spf.result == dns::spf::Result::temperror || aligned_dkim_temperror) {
    part.info.result = "temperror";
    part.info.comment = "SPF or an aligned DKIM signature could not be checked for now";
  } else {
    part.info.result = "fail";
    part.info.comment = "no SPF or DKIM pass aligned with header.from";
    part.policy = sampled(*published, record.pct);
    if (part.policy != published) part.info.comment += "; outside pct=" + std::to_string(record.pct);
  }
  part.info.properties.push_back({"policy", "dmarc", std::string(dns::to_string(*part.policy))});
  co_return part;
}

bool names_us(std::string_view message, const HeaderField& field, std::string_view authserv_id) {
  if (authserv_id.empty() || !dkim::iequals(field.name, "Authentication-Results")) return false;
  std::string_view text = message.substr(field.begin, field.end - field.begin);
  auto id = parse_authserv_id(text.substr(text.find(':') + 1));
  return id && dkim::iequals(*id, authserv_id);
}

}  // namespace

std::string remove_forged_results(std::string_view message, std::string_view authserv_id) {
  return remove_fields(message, [&](const HeaderField& field) { return names_us(message, field, authserv_id); });
}

asio::awaitable<AuthenticationOutcome> authenticate(dns::Resolver& resolver, const dkim::Verifier& verifier,
                                                    AuthenticationInput input) {
  AuthenticationOutcome outcome;
  AuthenticationResults results;
  results.authserv_id = input.authserv_id;

  SpfPart spf = co_await check_spf(resolver, input);
  outcome.spf = spf.info.result;
  results.results.push_back(spf.info);

  auto message = dkim::parse_message(input.message);
  DkimPart dkim_part = co_await check_dkim(resolver, verifier, message);
  if (!message) {
    bool signed_message = false;
    for (const auto& field : header_fields(input.message))
      signed_message = signed_message || dkim::iequals(field.name, "DKIM-Signature");
    if (signed_message) {
      dkim_part.word = "permerror";
      dkim_part.infos.push_back({"dkim", "permerror", "message unreadable: " + message.error(), {}});
    }
  }
  outcome.dkim = dkim_part.word;
  if (dkim_part.infos.empty())
    results.results.push_back({"dkim", "none", "", {}});
  else
    results.results.insert(results.results.end(), dkim_part.infos.begin(), dkim_part.infos.end());

  auto from = from_domain_of(message);
  if (from.index() == 1) {
    results.results.push_back({"dmarc", "permerror", std::get<1>(from), {}});
  } else {
    outcome.from_domain = std::get<0>(from);
    DmarcPart dmarc = co_await check_dmarc(resolver, outcome.from_domain, spf, dkim_part);
    results.results.push_back(dmarc.info);
    if (dmarc.policy) outcome.dmarc_policy = std::string(dns::to_string(*dmarc.policy));
    outcome.dmarc_reject_policy = dmarc.info.result == "fail" && dmarc.policy == dns::DmarcPolicy::reject;
  }
  outcome.dmarc = results.results.back().result;
  outcome.header = format(results);
  co_return outcome;
}

}  // namespace mta::inbound::auth
