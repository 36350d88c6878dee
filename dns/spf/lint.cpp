#include "dns/spf/lint.hpp"

#include <set>

#include "dns/name.hpp"
#include "dns/spf/evaluator.hpp"
#include "dns/spf/macro.hpp"
#include "dns/spf/record.hpp"

namespace dns::spf {

namespace {

struct Walk {
  Resolver& resolver;
  LintReport& report;
  std::set<std::string> visiting;
};

void add(LintReport& report, LintFinding::Severity severity, std::string code, std::string message) {
  for (const auto& finding : report.findings)
    if (finding.code == code && finding.message == message) return;
  report.findings.push_back({severity, std::move(code), std::move(message)});
}

constexpr auto kError = LintFinding::Severity::error;
constexpr auto kWarning = LintFinding::Severity::warning;

bool has_macros(const std::string& spec) {
  return spec.find('%') != std::string::npos;
}

asio::awaitable<bool> exists(Walk& walk, const std::string& name, RecordType type) {
  Response response = co_await walk.resolver.query(name, type);
  if (response.status == Status::temporary || response.status == Status::malformed) {
    walk.report.temporary = true;
    walk.report.temporary_detail = name + " " + std::string(to_string(type)) + ": " + response.detail;
  }
  co_return response.ok();
}

asio::awaitable<void> walk_domain(Walk& walk, const std::string& domain, bool top);

asio::awaitable<void> walk_record(Walk& walk, const std::string& domain, const Record& record, bool top) {
  auto& report = walk.report;
  bool seen_all = false;
  for (const auto& m : record.mechanisms) {
    if (seen_all)
      add(report, kWarning, "after-all",
          domain + ": '" + m.text + "' comes after 'all' and is never evaluated; remove it");
    if (m.counts_dns()) ++report.dns_lookups;
    std::string target = m.domain_spec.empty() ? domain : canonical_name(m.domain_spec);
    switch (m.kind) {
      case MechanismKind::all:
        seen_all = true;
        if (top && m.qualifier == Qualifier::pass)
          add(report, kError, "plus-all",
              domain +
                  ": '+all' authorises every IP address on the Internet to send as this domain; end with "
                  "'-all' or '~all'");
        if (record.redirect)
          add(report, kWarning, "redirect-ignored",
              domain + ": 'redirect=' is ignored when 'all' is present");
        break;
      case MechanismKind::ptr:
        add(report, kWarning, "ptr",
            domain +
                ": 'ptr' is deprecated (RFC 7208 §5.5): slow, unreliable, and ignored by some receivers; "
                "list the addresses with ip4:/ip6: or a:");
        break;
      case MechanismKind::include:
        if (has_macros(m.domain_spec)) break;
        co_await walk_domain(walk, target, false);
        break;
      case MechanismKind::a:
      case MechanismKind::mx:
      case MechanismKind::exists: {
        if (has_macros(m.domain_spec) || m.kind == MechanismKind::exists) break;
        if (m.kind == MechanismKind::a) {
          bool found = co_await exists(walk, target, RecordType::a);
          if (!found) found = co_await exists(walk, target, RecordType::aaaa);
          if (!found) {
            ++report.void_lookups;
            add(report, kWarning, "void-lookup",
                domain + ": '" + m.text + "': " + target + " has no A or AAAA record");
          }
        } else {
          Response mx = co_await walk.resolver.query(target, RecordType::mx);
          if (!mx.ok() && mx.status != Status::temporary) {
            ++report.void_lookups;
            add(report, kWarning, "void-lookup",
                domain + ": '" + m.text + "': " + target + " has no MX record");
          } else if (mx.records.size() > 10) {
            add(report, kError, "too-many-mx",
                domain + ": '" + m.text + "': " + target +
                    " has more than 10 MX records (RFC 7208 §4.6.4: permerror)");
          }
        }
        break;
      }
      default:
        break;
    }
  }
  if (record.redirect && !seen_all) {
    ++report.dns_lookups;
    if (!has_macros(*record.redirect)) co_await walk_domain(walk, canonical_name(*record.redirect), false);
  }
  if (top && !seen_all && !record.redirect)
    add(report, kWarning, "no-all",
        domain +
            ": the record has no 'all' (nor redirect=), so unlisted senders get neutral; end it with '-all' "
            "or '~all'");
  if (record.exp && !has_macros(*record.exp)) {
    Response exp = co_await walk.resolver.query(canonical_name(*record.exp), RecordType::txt);
    if (exp.status != Status::answer || exp.records.size() != 1)
      add(report, kWarning, "exp", domain + ": exp=" + *record.exp + " does not have exactly one TXT record");
  }
}

asio::awaitable<void> walk_domain(Walk& walk, const std::string& domain, bool top) {
  auto& report = walk.report;
  if (walk.visiting.contains(domain)) {
    add(report, kError, "loop", domain + " includes itself (directly or through others)");
    co_return;
  }
  if (walk.visiting.size() > 20) co_return;
  Response txt = co_await walk.resolver.query(domain, RecordType::txt);
  if (txt.status == Status::temporary || txt.status == Status::malformed) {
    report.temporary = true;
    report.temporary_detail = domain + " TXT: " + txt.detail;
    co_return;
  }
  std::vector<std::string> texts;
  for (const auto& record : txt.records)
    if (const auto* data = std::get_if<TxtData>(&record.data)) texts.push_back(data->joined());
  Selection selection = select_record(texts);
  std::string where = top ? domain : "the included domain " + domain;
  if (selection.kind == Selection::Kind::none) {
    if (txt.status == Status::nxdomain)
      add(report, kError, top ? "no-domain" : "missing-include", where + " does not exist");
    else
      add(report, kError, top ? "no-record" : "missing-include",
          where + " has no SPF record" + (top ? "; publish a TXT record \"v=spf1 ... -all\"" : ""));
    if (!top) ++report.void_lookups;
    co_return;
  }
  if (selection.kind == Selection::Kind::several) {
    add(report, kError, "several-records",
        where + " has more than one SPF record, which is a permerror everywhere; merge them into one");
    co_return;
  }
  if (top) report.record = selection.record;
  if (selection.record.size() > kRecommendedRecordSize)
    add(report, kWarning, "too-long",
        where + ": the record is " + std::to_string(selection.record.size()) +
            " octets; over 450 it may not fit one 512-octet UDP answer (RFC 7208 §3.4); move parts to "
            "includes");
  ParsedRecord parsed = parse_record(selection.record);
  if (!parsed.record) {
    add(report, kError, "syntax", where + ": " + parsed.error);
    co_return;
  }
  walk.visiting.insert(domain);
  co_await walk_record(walk, domain, *parsed.record, top);
  walk.visiting.erase(domain);
}

}  // namespace

bool LintReport::has_errors() const {
  for (const auto& finding : findings)
    if (finding.severity == LintFinding::Severity::error) return true;
  return false;
}

asio::awaitable<LintReport> lint(Resolver& resolver, std::string domain) {
  LintReport report;
  report.domain = canonical_name(domain);
  Walk walk{resolver, report, {}};
  co_await walk_domain(walk, report.domain, true);
  if (report.dns_lookups > 10)
    add(report, kError, "too-many-lookups",
        std::to_string(report.dns_lookups) +
            " DNS-querying terms (include, a, mx, ptr, exists, redirect) counted through includes; receivers "
            "stop "
            "at 10 with permerror (RFC 7208 §4.6.4); flatten includes into ip4:/ip6:");
  if (report.void_lookups > 2)
    add(report, kError, "too-many-void-lookups",
        std::to_string(report.void_lookups) +
            " lookups find nothing; receivers stop at 2 with permerror (RFC 7208 §4.6.4)");
  co_return report;
}

}  // namespace dns::spf
