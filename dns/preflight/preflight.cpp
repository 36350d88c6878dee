// preflight.cpp — runs the checks of preflight.hpp. Stage one asks the DNS (every task concurrently, each
// writing its own result slot); stage two derives the checks that rest on several answers (static IP,
// DMARC alignment) and the bulk-sender rules, in a fixed order so that the report reads the same every run.
#include "dns/preflight/preflight.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <exception>
#include <map>
#include <set>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "dns/dmarc/lookup.hpp"
#include "dns/dmarc/org_domain.hpp"
#include "dns/dnsbl/check.hpp"
#include "dns/name.hpp"
#include "dns/preflight/address_class.hpp"
#include "dns/preflight/bulk_rules.hpp"
#include "dns/preflight/tls_check.hpp"
#include "dns/rdns/reverse_check.hpp"
#include "dns/resolver/lookups.hpp"
#include "dns/spf/evaluator.hpp"
#include "dns/spf/lint.hpp"

namespace dns::preflight {
namespace {

// Runs coroutines concurrently on one single-threaded executor and waits for all of them. The first
// exception any task throws is rethrown by wait().
class TaskGroup {
 public:
  explicit TaskGroup(const asio::any_io_executor& executor) : executor_(executor), done_(executor) {
    done_.expires_at(asio::steady_timer::time_point::max());
  }

  void spawn(asio::awaitable<void> task) {
    ++pending_;
    auto finished = [this](std::exception_ptr error) {
      if (error && !error_) error_ = error;
      if (--pending_ == 0) done_.cancel();
    };
    asio::co_spawn(executor_, std::move(task), finished);
  }

  asio::awaitable<void> wait() {
    while (pending_ > 0)
      co_await done_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (error_) std::rethrow_exception(error_);
  }

 private:
  asio::any_io_executor executor_;
  asio::steady_timer done_;
  std::size_t pending_ = 0;
  std::exception_ptr error_;
};

std::string lower_name(std::string_view name) {
  return canonical_name(name);
}

void add_unique(std::vector<std::string>& list, const std::string& value) {
  auto name = lower_name(value);
  if (!name.empty() && std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
}

bool contains_name(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), lower_name(name)) != list.end();
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// A finding built from several observations: the worst status wins; details and fixes accumulate.
struct Combined {
  Status status = Status::pass;
  std::vector<std::string> details;
  std::vector<std::string> fixes;

  void note(Status s, std::string detail, std::string fix = {}) {
    if (severity(s) > severity(status)) status = s;
    details.push_back(std::move(detail));
    if (!fix.empty()) fixes.push_back(std::move(fix));
  }
  Finding finding(std::string check, std::string subject) const {
    return {std::move(check), std::move(subject), status, join(details, "; "), join(fixes, "; ")};
  }
};

// ---- stage one: what the DNS says ----------------------------------------------------------------------

struct SourceAnswers {
  rdns::ReverseReport reverse;
  Lookup<asio::ip::address> ehlo_addresses;
};

asio::awaitable<void> ask_source(Resolver& resolver, const SendingSource& source, const std::string& pbl_zone,
                                 SourceAnswers& out) {
  rdns::ReverseOptions options;
  options.pbl_zone = pbl_zone;
  out.reverse = co_await rdns::check_reverse(resolver, source.address, options);
  if (!source.ehlo.empty()) out.ehlo_addresses = co_await lookup_addresses(resolver, source.ehlo);
}

struct SpfAnswers {
  spf::LintReport lint;
  std::vector<spf::Outcome> outcomes;  // one per source, in input order
};

asio::awaitable<void> ask_spf(Resolver& resolver, const std::string& domain,
                              const std::vector<SendingSource>& sources, SpfAnswers& out) {
  out.lint = co_await spf::lint(resolver, domain);
  for (const auto& source : sources) {
    spf::Request request;
    request.ip = source.address;
    request.sender = "postmaster@" + domain;
    request.helo = source.ehlo.empty() ? domain : source.ehlo;
    out.outcomes.push_back(co_await spf::check_sender(resolver, request));
  }
}

asio::awaitable<void> ask_dmarc(Resolver& resolver, const std::string& domain, DmarcLookup& out) {
  out = co_await lookup_dmarc(resolver, domain);
}

asio::awaitable<void> ask_mx(Resolver& resolver, const std::string& domain, MxLookup& out) {
  out = co_await lookup_mx(resolver, domain);
}

asio::awaitable<void> ask_dkim(Resolver& resolver, const DkimChecker& checker, const DkimKey& key,
                               DkimKeyResult& out) {
  out = co_await checker(resolver, key);
}

// One list: its test points first, then every target (a failed probe makes every target "could not check").
asio::awaitable<void> ask_list(Resolver& resolver, const dnsbl::ListDefinition& list,
                               const std::vector<std::string>& targets, std::vector<dnsbl::ListResult>& out) {
  auto problem = co_await dnsbl::probe(resolver, list);
  for (const auto& target : targets) {
    if (problem) {
      dnsbl::ListResult result;
      result.list = list.name;
      result.zone = list.zone;
      result.target = target;
      result.verdict = dnsbl::Verdict::error;
      result.error = *problem;
      out.push_back(std::move(result));
    } else {
      out.push_back(co_await dnsbl::check(resolver, list, target));
    }
  }
}

// ---- stage two: findings ----------------------------------------------------------------------------

const std::string kListErrorFix =
    "use your own recursive resolver (not a public or shared one), or the list's query service";

bool contains_address(const std::vector<asio::ip::address>& list, const asio::ip::address& address) {
  return std::find(list.begin(), list.end(), address) != list.end();
}

Finding static_ip_finding(const SendingSource& source, const SourceAnswers& answers,
                          const std::vector<asio::ip::address>& local) {
  Combined c;
  const auto ip = source.address.to_string();
  auto cls = classify_address(source.address);
  switch (cls.use) {
    case AddressUse::not_routable:
      c.note(Status::fail,
             ip + " is in " + cls.range + " (" + cls.description + "), not routable on the internet",
             "send from a public, static address; a NAT in front of it must map to an address you control");
      break;
    case AddressUse::documentation:
      c.note(Status::warn, ip + " is in " + cls.range + " (" + cls.description + ")",
             "use the address your hosting provider assigned to this server");
      break;
    case AddressUse::public_unicast:
      c.note(Status::pass, ip + " is a public unicast address");
      break;
  }
  if (!contains_address(local, source.address))
    c.note(Status::warn, ip + " is not configured on this host's interfaces",
           "run preflight on the sending host, or check that the egress source's address is right");
  // The policy listing and the PTR naming are reported each for itself: either alone can fail the row.
  const auto& reverse = answers.reverse;
  for (const auto& reason : reverse.reasons)
    if (reason.code == "pbl")
      c.note(Status::fail, reason.text,
             "this range should not send mail directly: use a static address from a hosting provider, or "
             "relay through your provider's smart host (a static mail-server address can be taken off the "
             "list: see its removal page)");
  if (!reverse.policy_error.empty())
    c.note(Status::error, "policy list " + reverse.policy_error, kListErrorFix);
  if (reverse.naming == rdns::ReverseReport::Verdict::looks_dynamic) {
    std::vector<std::string> why;
    for (const auto& reason : reverse.reasons)
      if (reason.weight > 0 && reason.code != "pbl") why.push_back(reason.text);
    c.note(Status::fail, "PTR naming looks dynamic: " + join(why, ", "),
           "ask the address's owner for a static address with a PTR like mail.example.com");
  } else if (reverse.temporary) {
    c.note(Status::error, "could not check the PTR: " + reverse.temporary_detail,
           "run again; check that the nameserver answers");
  } else if (reverse.naming == rdns::ReverseReport::Verdict::looks_static) {
    c.note(Status::pass, "PTR naming looks static");
  }
  return c.finding("static-ip", source.name.empty() ? ip : source.name + " " + ip);
}

Finding rdns_finding(const SendingSource& source, const SourceAnswers& answers) {
  const auto ip = source.address.to_string();
  const auto& reverse = answers.reverse;
  const std::string fix_ptr = "ask the owner of " + ip +
                              " (your hosting provider) to set its PTR record to " +
                              (source.ehlo.empty() ? std::string("the server's host name") : source.ehlo);
  if (reverse.names.empty()) {
    if (reverse.temporary)
      return {"rdns", ip, Status::error, "could not look up the PTR: " + reverse.temporary_detail,
              "run again; check that the nameserver answers"};
    return {"rdns", ip, Status::fail, ip + " has no PTR record", fix_ptr};
  }
  std::vector<std::string> names;
  for (const auto& name : reverse.names)
    names.push_back(name.name);
  if (!reverse.fcrdns) {
    if (reverse.temporary)
      return {"rdns", ip, Status::error,
              "PTR " + join(names, ", ") + "; could not confirm it forward: " + reverse.temporary_detail,
              "run again; check that the nameserver answers"};
    return {"rdns", ip, Status::fail,
            "PTR " + join(names, ", ") + " does not resolve back to " + ip +
                " (no forward-confirmed reverse DNS)",
            "add an A/AAAA record for " + names.front() + " pointing to " + ip};
  }
  std::vector<std::string> confirmed;
  for (const auto& name : reverse.names)
    if (name.confirmed) confirmed.push_back(name.name);
  return {"rdns", ip, Status::pass, "PTR " + join(confirmed, ", ") + " resolves back to " + ip, ""};
}

Finding ehlo_finding(const SendingSource& source, const SourceAnswers& answers) {
  const auto ip = source.address.to_string();
  const auto subject = source.ehlo + " " + ip;
  Combined c;
  const auto ehlo = lower_name(source.ehlo);
  bool is_ptr = false;
  for (const auto& name : answers.reverse.names)
    is_ptr = is_ptr || lower_name(name.name) == ehlo;
  if (is_ptr) {
    c.note(Status::pass, "EHLO name is the PTR name of " + ip);
  } else if (answers.reverse.names.empty()) {
    c.note(answers.reverse.temporary ? Status::error : Status::fail,
           "no PTR name to compare the EHLO name with", "set the PTR of " + ip + " to " + source.ehlo);
  } else {
    std::vector<std::string> names;
    for (const auto& name : answers.reverse.names)
      names.push_back(name.name);
    c.note(Status::fail, "EHLO name differs from the PTR name " + join(names, ", "),
           "make the EHLO name of this source its PTR name (or the PTR its EHLO name)");
  }
  const auto& a = answers.ehlo_addresses;
  if (a.status == dns::Status::temporary || a.status == dns::Status::malformed) {
    c.note(Status::error, "could not resolve " + source.ehlo + ": " + a.detail,
           "run again; check that the nameserver answers");
  } else if (!a.ok() || !contains_address(a.values, source.address)) {
    c.note(Status::fail, source.ehlo + " does not resolve to " + ip,
           "add an A/AAAA record for " + source.ehlo + " pointing to " + ip);
  } else {
    c.note(Status::pass, source.ehlo + " resolves to " + ip);
  }
  return c.finding("ehlo", subject);
}

std::vector<Finding> spf_findings(const std::string& domain, const std::vector<SendingSource>& sources,
                                  const SpfAnswers& answers) {
  std::vector<Finding> out;
  const auto& lint = answers.lint;
  Combined record;
  if (lint.temporary) {
    record.note(Status::error, "could not read the SPF policy: " + lint.temporary_detail,
                "run again; check that the nameserver answers");
  } else {
    if (!lint.record.empty())
      record.note(Status::pass, "\"" + lint.record + "\" (" + std::to_string(lint.dns_lookups) +
                                    " DNS lookups, " + std::to_string(lint.void_lookups) + " void)");
    for (const auto& f : lint.findings)
      record.note(f.severity == spf::LintFinding::Severity::error ? Status::fail : Status::warn,
                  f.code + ": " + f.message,
                  "correct the SPF record of " + domain + " (relayctl spf lint " + domain +
                      " explains each problem)");
  }
  out.push_back(record.finding("spf", domain));
  for (std::size_t i = 0; i < sources.size() && i < answers.outcomes.size(); ++i) {
    const auto& o = answers.outcomes[i];
    const auto ip = sources[i].address.to_string();
    Finding f{"spf", domain + " from " + ip, Status::pass, "", ""};
    f.detail = std::string(to_string(o.result));
    if (!o.mechanism.empty()) f.detail += " (" + o.mechanism + ")";
    switch (o.result) {
      case spf::Result::pass:
        break;
      case spf::Result::temperror:
        f.status = Status::error;
        f.detail += ": " + o.problem;
        f.fix = "run again; check that the nameserver answers";
        break;
      case spf::Result::permerror:
        f.status = Status::fail;
        f.detail += ": " + o.problem;
        f.fix = "fix the SPF record of " + o.domain + " (relayctl spf lint " + domain + ")";
        break;
      case spf::Result::none:
        f.status = Status::fail;
        f.detail += ": " + domain + " publishes no SPF record";
        f.fix = "publish a TXT record at " + domain + ": \"v=spf1 " +
                std::string(sources[i].address.is_v6() ? "ip6:" : "ip4:") + ip + " -all\"";
        break;
      default:
        f.status = Status::fail;
        f.detail += ": " + ip + " is not authorised";
        f.fix = "add " + std::string(sources[i].address.is_v6() ? "ip6:" : "ip4:") + ip +
                " to the SPF record of " + domain + " before its all";
        break;
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<Finding> dmarc_findings(const std::string& domain, const DmarcLookup& lookup) {
  Combined c;
  const std::string publish = "publish a TXT record at _dmarc." + domain +
                              ": \"v=DMARC1; p=none; rua=mailto:dmarc-reports@" + domain +
                              "\", then move to quarantine or reject once reports are clean";
  switch (lookup.outcome) {
    case DmarcLookup::Outcome::temporary:
      c.note(Status::error, "could not look up the DMARC record: " + lookup.detail,
             "run again; check that the nameserver answers");
      break;
    case DmarcLookup::Outcome::none:
      c.note(Status::fail, "no DMARC record at _dmarc." + domain + " or its organizational domain", publish);
      break;
    case DmarcLookup::Outcome::multiple:
      c.note(Status::fail,
             "more than one DMARC record at _dmarc." + lookup.record_domain +
                 ": receivers apply none (RFC 7489 §6.6.3)",
             "keep exactly one v=DMARC1 record at _dmarc." + lookup.record_domain);
      break;
    case DmarcLookup::Outcome::found: {
      const auto policy = lookup.applied_policy();
      std::string where = lookup.at_organizational_domain() ? " (at " + lookup.record_domain + ")" : "";
      if (!policy) {
        c.note(Status::fail, "\"" + lookup.text + "\"" + where + " has no valid policy", publish);
      } else {
        c.note(Status::pass,
               "\"" + lookup.text + "\"" + where + ", policy " + std::string(to_string(*policy)));
      }
      for (const auto& problem : lookup.parsed.problems)
        c.note(Status::warn, problem, "correct the tag in the record at _dmarc." + lookup.record_domain);
      if (lookup.parsed.record.rua.empty())
        c.note(Status::warn, "no rua: nobody receives the aggregate reports",
               "add rua=mailto:dmarc-reports@" + lookup.record_domain + " to see who sends as " + domain);
      if (lookup.parsed.record.pct < 100)
        c.note(Status::warn,
               "pct=" + std::to_string(lookup.parsed.record.pct) + ": the policy applies to part of the mail",
               "remove pct once the reports are clean");
      break;
    }
  }
  return {c.finding("dmarc", domain)};
}

struct SpfPass {
  std::string domain;
  bool all_sources = false;  // passes for every sending IP
};

Finding alignment_finding(const std::string& from, const DmarcLookup& lookup, const std::vector<SpfPass>& spf,
                          const std::vector<std::pair<const DkimKey*, bool>>& dkim) {
  Alignment aspf = Alignment::relaxed;
  Alignment adkim = Alignment::relaxed;
  if (lookup.outcome == DmarcLookup::Outcome::found) {
    aspf = lookup.parsed.record.aspf;
    adkim = lookup.parsed.record.adkim;
  }
  std::vector<std::string> spf_aligned, spf_unaligned, dkim_aligned, dkim_unaligned;
  for (const auto& s : spf) {
    if (!s.all_sources) continue;
    (aligned(s.domain, from, aspf) ? spf_aligned : spf_unaligned).push_back(s.domain);
  }
  for (const auto& [key, usable] : dkim) {
    if (!usable) continue;
    (aligned(key->domain, from, adkim) ? dkim_aligned : dkim_unaligned).push_back(key->domain);
  }
  const std::string mode_spf = aspf == Alignment::strict ? "strict" : "relaxed";
  const std::string mode_dkim = adkim == Alignment::strict ? "strict" : "relaxed";
  std::string detail =
      "SPF " + (spf_aligned.empty() ? std::string("not aligned") : "aligned via " + join(spf_aligned, ", ")) +
      " (" + mode_spf + "); DKIM " +
      (dkim_aligned.empty() ? std::string("not aligned") : "aligned via d=" + join(dkim_aligned, ", ")) +
      " (" + mode_dkim + ")";
  if (!spf_unaligned.empty()) detail += "; SPF passes for unaligned " + join(spf_unaligned, ", ");
  if (!dkim_unaligned.empty()) detail += "; DKIM signs with unaligned d=" + join(dkim_unaligned, ", ");
  if (!dkim_aligned.empty() && !spf_aligned.empty())
    return {"dmarc-alignment", from, Status::pass, detail, ""};
  if (!dkim_aligned.empty()) return {"dmarc-alignment", from, Status::pass, detail, ""};
  if (!spf_aligned.empty())
    return {"dmarc-alignment", from, Status::warn, detail,
            "also sign with a DKIM key whose d= is " + from +
                " (or its organizational domain): SPF alone fails when mail is forwarded"};
  return {"dmarc-alignment", from, Status::fail, detail,
          "sign with a DKIM key for d=" + from + " ([dkim] sign table) and use a bounce domain under " +
              from + " whose SPF authorises the sending IPs"};
}

Finding mx_finding(const std::string& domain, const MxLookup& mx, bool envelope) {
  const std::string role = envelope ? "envelope (bounce) domain" : "From domain";
  if (mx.status == dns::Status::temporary || mx.status == dns::Status::malformed)
    return {"mx", domain, Status::error, "could not look up MX: " + mx.detail,
            "run again; check that the nameserver answers"};
  if (mx.status == dns::Status::nxdomain)
    return {
        "mx", domain, Status::fail, role + " " + domain + " does not exist (NXDOMAIN)",
        envelope ? "use a bounce domain that exists and has an MX record" : "send From a domain that exists"};
  if (mx.null_mx)
    return {"mx", domain, Status::fail,
            role + " publishes a null MX (RFC 7505): it accepts no mail, so receivers reject mail " +
                (envelope ? "bouncing to it" : "from it"),
            "publish real MX records for " + domain + ", or send from a domain that receives mail"};
  if (mx.status != dns::Status::answer || mx.hosts.empty())
    return {
        "mx", domain, Status::fail,
        role + " has no MX and no address records: " +
            (envelope
                 ? "bounces to it can never arrive"
                 : "replies to it can never arrive, and a From domain that receives no mail looks forged"),
        "publish an MX record for " + domain};
  std::vector<std::string> hosts;
  for (const auto& h : mx.hosts)
    hosts.push_back(std::to_string(h.preference) + " " + h.exchange);
  if (mx.implicit)
    return {"mx", domain, Status::warn,
            role + " has no MX record; mail goes to its address records (implicit MX)",
            "publish an MX record for " + domain + " so that bounces have a defined destination"};
  return {"mx", domain, Status::pass, "MX " + join(hosts, ", "), ""};
}

Finding dnsbl_finding(const dnsbl::ListResult& r) {
  Finding f{"dnsbl", r.target + " @ " + r.zone, Status::pass, "", ""};
  switch (r.verdict) {
    case dnsbl::Verdict::not_listed:
      f.detail = "not listed on " + r.list;
      break;
    case dnsbl::Verdict::error:
      f.status = Status::error;
      f.detail = "could not check " + r.list + ": " + r.error;
      f.fix = kListErrorFix;
      break;
    case dnsbl::Verdict::listed: {
      // Any listing fails, a policy one (PBL) included: receivers that use the list refuse the mail.
      std::vector<std::string> codes, fixes;
      for (const auto& code : r.codes) {
        codes.push_back(code.code + " " + code.meaning);
        auto fix = !code.remedy.empty() ? code.remedy
                                        : "find and stop the cause, then request removal" +
                                              (r.delist_url.empty() ? std::string() : " at " + r.delist_url);
        if (std::find(fixes.begin(), fixes.end(), fix) == fixes.end()) fixes.push_back(std::move(fix));
      }
      f.status = Status::fail;
      f.detail = "listed on " + r.list + ": " + join(codes, "; ");
      if (!r.reason.empty()) f.detail += " (\"" + r.reason + "\")";
      f.fix = join(fixes, "; ");
      break;
    }
  }
  return f;
}

// A domain the message links to: receivers judge the mail by it, and the sender can drop the links.
Finding link_dnsbl_finding(const dnsbl::ListResult& r) {
  auto f = dnsbl_finding(r);
  if (f.status != Status::fail) return f;
  f.detail = "the message links to " + r.target + ", " + f.detail;
  f.fix = "remove the links to " + r.target + " (and its subdomains) from the message, or point them at a " +
          "domain that is not listed; if " + r.target + " is yours: " + f.fix;
  return f;
}

}  // namespace

asio::awaitable<Report> run_preflight(Resolver& resolver, const PreflightInput& input,
                                      const DkimChecker& dkim, const std::vector<Finding>& extra) {
  auto executor = co_await asio::this_coro::executor;

  std::vector<std::string> from_domains, envelope_domains, spf_domains, blocklist_domains;
  for (const auto& d : input.from_domains)
    add_unique(from_domains, d);
  for (const auto& d : input.envelope_domains)
    add_unique(envelope_domains, d);
  for (const auto& d : envelope_domains)
    add_unique(spf_domains, d);
  for (const auto& d : from_domains)
    add_unique(spf_domains, d);
  for (const auto& d : spf_domains)
    add_unique(blocklist_domains, d);
  for (const auto& k : input.dkim_keys)
    add_unique(blocklist_domains, k.domain);
  for (const auto& d : input.link_domains)
    add_unique(blocklist_domains, d);
  std::vector<std::string> signing_domains, link_only;  // link_only: link domains that are not sending ones
  for (const auto& k : input.dkim_keys)
    add_unique(signing_domains, k.domain);
  for (const auto& d : input.link_domains)
    if (!contains_name(spf_domains, d) && !contains_name(signing_domains, d)) add_unique(link_only, d);
  std::vector<std::string> mx_domains = envelope_domains;
  for (const auto& d : from_domains)
    add_unique(mx_domains, d);
  std::vector<std::string> ips;
  for (const auto& s : input.sources) {
    auto ip = s.address.to_string();
    if (std::find(ips.begin(), ips.end(), ip) == ips.end()) ips.push_back(ip);
  }

  // Stage one. Slots are sized before any task starts, so no task's reference moves.
  std::vector<SourceAnswers> source_answers(input.sources.size());
  std::vector<SpfAnswers> spf_answers(spf_domains.size());
  std::vector<DmarcLookup> dmarc_answers(from_domains.size());
  std::vector<MxLookup> mx_answers(mx_domains.size());
  std::vector<DkimKeyResult> dkim_answers(input.dkim_keys.size());
  std::vector<std::vector<dnsbl::ListResult>> ip_list_answers(input.sources.empty() ? 0
                                                                                    : input.ip_lists.size());
  std::vector<std::vector<dnsbl::ListResult>> domain_list_answers(
      blocklist_domains.empty() ? 0 : input.domain_lists.size());

  TaskGroup group(executor);
  for (std::size_t i = 0; i < input.sources.size(); ++i)
    group.spawn(ask_source(resolver, input.sources[i], input.pbl_zone, source_answers[i]));
  for (std::size_t i = 0; i < spf_domains.size(); ++i)
    group.spawn(ask_spf(resolver, spf_domains[i], input.sources, spf_answers[i]));
  for (std::size_t i = 0; i < from_domains.size(); ++i)
    group.spawn(ask_dmarc(resolver, from_domains[i], dmarc_answers[i]));
  for (std::size_t i = 0; i < mx_domains.size(); ++i)
    group.spawn(ask_mx(resolver, mx_domains[i], mx_answers[i]));
  if (dkim)
    for (std::size_t i = 0; i < input.dkim_keys.size(); ++i)
      group.spawn(ask_dkim(resolver, dkim, input.dkim_keys[i], dkim_answers[i]));
  for (std::size_t i = 0; i < ip_list_answers.size(); ++i)
    group.spawn(ask_list(resolver, input.ip_lists[i], ips, ip_list_answers[i]));
  for (std::size_t i = 0; i < domain_list_answers.size(); ++i)
    group.spawn(ask_list(resolver, input.domain_lists[i], blocklist_domains, domain_list_answers[i]));
  co_await group.wait();

  // Stage two, in report order.
  Report report;
  const auto local = input.local_addresses ? *input.local_addresses : local_addresses();
  for (std::size_t i = 0; i < input.sources.size(); ++i) {
    const auto& source = input.sources[i];
    report.add(static_ip_finding(source, source_answers[i], local));
    report.add(rdns_finding(source, source_answers[i]));
    if (!source.ehlo.empty()) report.add(ehlo_finding(source, source_answers[i]));
  }

  std::vector<SpfPass> spf_passes;
  for (std::size_t i = 0; i < spf_domains.size(); ++i) {
    for (auto& f : spf_findings(spf_domains[i], input.sources, spf_answers[i]))
      report.add(std::move(f));
    const auto& outcomes = spf_answers[i].outcomes;
    const bool all =
        !outcomes.empty() && std::all_of(outcomes.begin(), outcomes.end(),
                                         [](const spf::Outcome& o) { return o.result == spf::Result::pass; });
    spf_passes.push_back({spf_domains[i], all});
  }
  // Alignment uses the envelope domains only: SPF is checked for MAIL FROM, not for the From header.
  std::vector<SpfPass> envelope_spf;
  for (const auto& s : spf_passes)
    if (std::find(envelope_domains.begin(), envelope_domains.end(), s.domain) != envelope_domains.end())
      envelope_spf.push_back(s);

  for (std::size_t i = 0; i < input.dkim_keys.size(); ++i) {
    if (dkim) {
      report.add(dkim_answers[i].finding);
    } else {
      const auto& key = input.dkim_keys[i];
      report.add({"dkim", key.selector + "._domainkey." + key.domain, Status::error,
                  "no DKIM checker available", "run relayctl dkim check for this key"});
    }
  }
  if (input.dkim_keys.empty() && !from_domains.empty())
    report.add(
        {"dkim", join(from_domains, ", "), Status::fail, "no DKIM signing key is configured",
         "generate one with relayctl dkim keygen, publish its record, add it to the [dkim] sign table"});

  for (std::size_t i = 0; i < from_domains.size(); ++i) {
    for (auto& f : dmarc_findings(from_domains[i], dmarc_answers[i]))
      report.add(std::move(f));
    std::vector<std::pair<const DkimKey*, bool>> keys;
    for (std::size_t k = 0; k < input.dkim_keys.size(); ++k) {
      const auto& key = input.dkim_keys[k];
      const bool signs = key.signs_from.empty() || std::find(key.signs_from.begin(), key.signs_from.end(),
                                                             from_domains[i]) != key.signs_from.end();
      if (signs) keys.emplace_back(&key, dkim && dkim_answers[k].usable);
    }
    report.add(alignment_finding(from_domains[i], dmarc_answers[i], envelope_spf, keys));
  }

  for (const auto& results : ip_list_answers)
    for (const auto& r : results)
      report.add(dnsbl_finding(r));
  for (const auto& results : domain_list_answers)
    for (const auto& r : results)
      report.add(contains_name(link_only, r.target) ? link_dnsbl_finding(r) : dnsbl_finding(r));

  for (std::size_t i = 0; i < mx_domains.size(); ++i) {
    const bool envelope =
        std::find(envelope_domains.begin(), envelope_domains.end(), mx_domains[i]) != envelope_domains.end();
    report.add(mx_finding(mx_domains[i], mx_answers[i], envelope));
  }

  if (!input.hostname.empty())
    report.add(check_certificate(input.certificate, input.certificate_key, input.hostname));

  for (const auto& f : extra)
    report.add(f);
  for (auto& f : evaluate_bulk_rules(report))
    report.add(std::move(f));
  co_return report;
}

}  // namespace dns::preflight
