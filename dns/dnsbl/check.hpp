// check.hpp — asks one DNS blocklist about one target (RFC 5782): an IPv4 address (octets reversed), an
// IPv6 address (32 nibbles reversed, §2.4) or a domain (RHSBL, the name itself), then reads the TXT reason
// when listed. Answers are interpreted with the list's table (lists.hpp); its error answers, answers
// outside 127.0.0.0/8 and DNS failures give Verdict::error ("could not check"), never listed or clean.
// probe() asks the list's test points (§5) to tell a working list from a dead or wildcarded one.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "dns/dnsbl/lists.hpp"
#include "dns/resolver/resolver.hpp"

namespace dns::dnsbl {

enum class Verdict { listed, not_listed, error };
std::string_view to_string(Verdict verdict);

struct ListResult {
  std::string list;  // the list's name
  std::string zone;
  std::string target;
  std::string query;  // the name asked
  Verdict verdict = Verdict::error;
  std::vector<CodeMeaning> codes;  // listed: each answer with its meaning
  bool policy_only = false;        // listed only by policy codes (PBL)
  std::string reason;              // the list's TXT record, when published
  std::string error;               // error: what went wrong
  std::string delist_url;
};

// The name to ask: "2.0.0.127.zen.spamhaus.org", "…ip6 nibbles….zen.spamhaus.org",
// "example.com.dbl.spamhaus.org". Nothing when target does not suit the list (a domain for an IP list, or an
// invalid name).
std::optional<std::string> query_name(const std::string& target, const ListDefinition& list);

asio::awaitable<ListResult> check(Resolver& resolver, const ListDefinition& list, std::string target);
// nullopt when the list answers its test points correctly, else what is wrong with it.
asio::awaitable<std::optional<std::string>> probe(Resolver& resolver, const ListDefinition& list);
// probe() first; a list that fails its test points gives Verdict::error for the target.
asio::awaitable<ListResult> probe_and_check(Resolver& resolver, const ListDefinition& list,
                                            std::string target);

}  // namespace dns::dnsbl
