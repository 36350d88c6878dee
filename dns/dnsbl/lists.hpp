// lists.hpp — the DNS blocklists relayctl knows, as data: zone, kind (IP or domain list), what each
// answer means (exact codes, or bits of the last octet for bitmask lists) and what the listed sender can
// do about it, the answers a list uses to say "you may not query me" (never "listed" nor "clean"), its
// RFC 5782 test points and its delisting page. Pure data and lookups into it; no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dns::dnsbl {

enum class ListKind { ip, domain };

struct CodeMeaning {
  std::string code;     // "127.0.0.2"
  std::string meaning;  // "SBL: Spamhaus Block List, a known spam source"
  bool policy = false;  // a policy listing (PBL: "this range should not send mail directly"), not abuse
  std::string remedy = {};  // what the listed sender can do; "" for "stop the cause, then request removal"
};

struct BitMeaning {
  unsigned bit = 0;  // a value of the last octet's bits, e.g. 8
  std::string meaning;
};

struct ListDefinition {
  std::string name;  // "Spamhaus ZEN"
  std::string zone;  // "zen.spamhaus.org"
  ListKind kind = ListKind::ip;
  std::vector<CodeMeaning> codes;
  std::vector<BitMeaning> bits;          // for bitmask lists (SURBL, URIBL)
  std::vector<CodeMeaning> error_codes;  // the list's own "could not check" answers
  std::string test_listed;               // RFC 5782 §5 test points (an IP, or a domain)
  std::string test_unlisted;
  std::string delist_url;
};

const std::vector<ListDefinition>& default_ip_lists();
const std::vector<ListDefinition>& default_domain_lists();

// A known list by zone, else a generic definition (RFC 5782 test points, any 127.0.0.0/8 answer is
// "listed" but Spamhaus's refusals 127.255.255.252 / .254 / .255, which its DQS zones and mirrors answer
// under names of their own) of the given kind.
ListDefinition list_for_zone(std::string_view zone, ListKind kind);

}  // namespace dns::dnsbl
