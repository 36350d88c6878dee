// signing_table.hpp — which DKIM keys sign a message, chosen by the domain of its RFC 5322.From address.
// Patterns: "example.com" (that domain), "*.example.com" (its subdomains, not itself), "*" (the default).
// Every rule of the most specific matching pattern applies, so one domain can carry several signatures
// (its own and the sending service's). Pure lookup, no keys loaded here. Untrusted input: the From domain.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace dkim {

struct SigningRule {
  std::string from_pattern;   // "example.com", "*.example.com" or "*"
  std::string domain;         // the d= tag
  std::string selector;       // the s= tag
  std::filesystem::path key;  // PEM private key

  friend bool operator==(const SigningRule&, const SigningRule&) = default;
};

// True when pattern is "*", a host name, or "*." followed by a host name.
bool is_valid_from_pattern(std::string_view pattern);

// How specific a pattern is for from_domain: -1 when it does not match, 0 for "*", higher for closer
// matches (an exact match beats every wildcard; a longer wildcard suffix beats a shorter one).
int match_specificity(std::string_view pattern, std::string_view from_domain);

class SigningTable {
 public:
  explicit SigningTable(std::vector<SigningRule> rules) : rules_(std::move(rules)) {}

  // The rules that sign mail from from_domain, in table order; empty when none matches.
  std::vector<const SigningRule*> match(std::string_view from_domain) const;
  const std::vector<SigningRule>& rules() const { return rules_; }

 private:
  std::vector<SigningRule> rules_;
};

}  // namespace dkim
