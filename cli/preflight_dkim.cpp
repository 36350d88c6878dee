// preflight_dkim.cpp — maps dkim::KeyCheck onto a preflight Finding: ok passes; testing and weak keys warn
// (a testing key's signatures are treated as absent, so it does not count for alignment); a DNS failure
// is "could not check"; everything else fails with dkim/'s fix.
#include "cli/preflight_dkim.hpp"

#include "dkim/check.hpp"

namespace cli {

asio::awaitable<dns::preflight::DkimKeyResult> check_dkim_key(dns::Resolver& resolver,
                                                              const dns::preflight::DkimKey& key) {
  std::string domain = key.domain;
  std::string selector = key.selector;
  std::filesystem::path path = key.key;
  dkim::KeyCheck check = co_await dkim::check_key(resolver, domain, selector, path);
  dns::preflight::DkimKeyResult result;
  auto& f = result.finding;
  f.check = "dkim";
  f.subject = check.name.empty() ? selector + "._domainkey." + domain : check.name;
  f.detail = std::string(dkim::to_string(check.status)) + ": " + check.detail;
  if (!check.algorithm.empty())
    f.detail += " (" + check.algorithm + ", " + std::to_string(check.bits) + " bits)";
  f.fix = check.fix;
  switch (dkim::severity(check.status)) {
    case dkim::Severity::pass:
      f.status = dns::preflight::Status::pass;
      break;
    case dkim::Severity::warn:
      f.status = dns::preflight::Status::warn;
      break;
    case dkim::Severity::temporary:
      f.status = dns::preflight::Status::error;
      break;
    case dkim::Severity::fail:
      f.status = dns::preflight::Status::fail;
      break;
  }
  result.usable = check.status == dkim::KeyStatus::ok || check.status == dkim::KeyStatus::weak;
  co_return result;
}

}  // namespace cli
