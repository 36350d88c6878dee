#include "dkim/signing_table.hpp"

#include "dns/name.hpp"

namespace dkim {

bool is_valid_from_pattern(std::string_view pattern) {
  if (pattern == "*") return true;
  if (pattern.starts_with("*.")) pattern.remove_prefix(2);
  return dns::is_valid_hostname(pattern);
}

int match_specificity(std::string_view pattern, std::string_view from_domain) {
  std::string domain = dns::canonical_name(from_domain);
  std::string wanted = dns::canonical_name(pattern);
  if (wanted == "*") return 0;
  if (wanted.starts_with("*.")) {
    std::string_view suffix = std::string_view(wanted).substr(1);  // ".example.com"
    if (domain.size() > suffix.size() && domain.ends_with(suffix)) return static_cast<int>(suffix.size());
    return -1;
  }
  return domain == wanted ? 1000 : -1;  // beyond any wildcard suffix (names are at most 253 octets)
}

std::vector<const SigningRule*> SigningTable::match(std::string_view from_domain) const {
  int best = -1;
  for (const auto& rule : rules_)
    best = std::max(best, match_specificity(rule.from_pattern, from_domain));
  std::vector<const SigningRule*> out;
  if (best < 0) return out;
  for (const auto& rule : rules_)
    if (match_specificity(rule.from_pattern, from_domain) == best) out.push_back(&rule);
  return out;
}

}  // namespace dkim
