#include "dns/dnsbl/lists.hpp"

#include "dns/name.hpp"

namespace dns::dnsbl {

namespace {

std::vector<CodeMeaning> spamhaus_errors() {
  return {{"127.255.255.252", "Spamhaus: the query was malformed (typing error in the list name)"},
          {"127.255.255.254",
           "Spamhaus: queries through public or open resolvers are refused; use your own resolver"},
          {"127.255.255.255", "Spamhaus: excessive number of queries; use a Data Query Service key"}};
}

}  // namespace

const std::vector<ListDefinition>& default_ip_lists() {
  static const std::vector<ListDefinition> lists{
      {"Spamhaus ZEN",
       "zen.spamhaus.org",
       ListKind::ip,
       {{"127.0.0.2", "SBL: Spamhaus Block List, a verified spam source or spam operation"},
        {"127.0.0.3", "SBL CSS: snowshoe spam or low-reputation sending"},
        {"127.0.0.4", "XBL: exploited or infected host (CBL: botnets, open proxies)"},
        {"127.0.0.5", "XBL: exploited or infected host"},
        {"127.0.0.6", "XBL: exploited or infected host"},
        {"127.0.0.7", "XBL: exploited or infected host"},
        {"127.0.0.9", "SBL DROP/EDROP: hijacked or criminal network, do not route"},
        {"127.0.0.10",
         "PBL (ISP maintained): this range should not send mail directly to the Internet; receivers that "
         "use ZEN refuse mail from it",
         true,
         "send through the smart host of the network's provider, or from an address it assigns for mail "
         "servers; for a static mail-server address, ask the provider to take it out of its PBL range, or "
         "request removal at https://check.spamhaus.org/"},
        {"127.0.0.11",
         "PBL (Spamhaus maintained): this range should not send mail directly to the Internet; receivers "
         "that use ZEN refuse mail from it",
         true,
         "a static mail-server address (with a PTR naming it) can be taken out of the PBL at "
         "https://check.spamhaus.org/; otherwise send through your provider's smart host"}},
       {},
       spamhaus_errors(),
       "127.0.0.2",
       "127.0.0.1",
       "https://check.spamhaus.org/"},
      {"SpamCop",
       "bl.spamcop.net",
       ListKind::ip,
       {{"127.0.0.2", "SpamCop: reported by recipients as a spam source"}},
       {},
       {},
       "127.0.0.2",
       "127.0.0.1",
       "https://www.spamcop.net/bl.shtml"},
      {"Barracuda",
       "b.barracudacentral.org",
       ListKind::ip,
       {{"127.0.0.2", "Barracuda Reputation Block List: poor sending reputation"}},
       {},
       {},
       "127.0.0.2",
       "127.0.0.1",
       "https://www.barracudacentral.org/rbl/removal-request"},
      {"UCEPROTECT level 1",
       "dnsbl-1.uceprotect.net",
       ListKind::ip,
       {{"127.0.0.2", "UCEPROTECT level 1: this IP sent to spam traps"}},
       {},
       {},
       "127.0.0.2",
       "127.0.0.1",
       "https://www.uceprotect.net/en/rblcheck.php"},
  };
  return lists;
}

const std::vector<ListDefinition>& default_domain_lists() {
  static const std::vector<ListDefinition> lists{
      {"Spamhaus DBL",
       "dbl.spamhaus.org",
       ListKind::domain,
       {{"127.0.1.2", "DBL: spam domain"},
        {"127.0.1.4", "DBL: phishing domain"},
        {"127.0.1.5", "DBL: malware domain"},
        {"127.0.1.6", "DBL: botnet command and control domain"},
        {"127.0.1.102", "DBL: abused legitimate domain, used in spam"},
        {"127.0.1.103", "DBL: abused legitimate spammed redirector domain"},
        {"127.0.1.104", "DBL: abused legitimate domain, used in phishing"},
        {"127.0.1.105", "DBL: abused legitimate domain, used for malware"},
        {"127.0.1.106", "DBL: abused legitimate domain, used for botnet command and control"}},
       {},
       [] {
         auto errors = spamhaus_errors();
         errors.push_back({"127.0.1.255", "Spamhaus DBL: IP addresses may not be queried against the DBL"});
         return errors;
       }(),
       "dbltest.com",
       "example.com",
       "https://check.spamhaus.org/"},
      {"SURBL multi",
       "multi.surbl.org",
       ListKind::domain,
       {},
       {{8, "SURBL PH: phishing"},
        {16, "SURBL MW: malware"},
        {64, "SURBL ABUSE: spam and abuse"},
        {128, "SURBL CR: cracked (compromised) site"}},
       {},
       "test.surbl.org",
       "example.com",
       "https://www.surbl.org/surbl-analysis"},
      {"URIBL multi",
       "multi.uribl.com",
       ListKind::domain,
       {},
       {{2, "URIBL black: domain seen in spam"},
        {4, "URIBL grey: domain in bulk mail, possibly unsolicited"},
        {8, "URIBL red: domain of a newly seen spam campaign"}},
       {{"127.0.0.1", "URIBL: query refused (public resolver or volume limit); use your own resolver"}},
       "test.uribl.com",
       "example.com",
       "https://admin.uribl.com/"},
  };
  return lists;
}

ListDefinition list_for_zone(std::string_view zone, ListKind kind) {
  std::string wanted = canonical_name(zone);
  for (const auto* lists : {&default_ip_lists(), &default_domain_lists()})
    for (const auto& list : *lists)
      if (list.zone == wanted) return list;
  ListDefinition generic;
  generic.name = wanted;
  generic.zone = wanted;
  generic.kind = kind;
  generic.test_listed = kind == ListKind::ip ? "127.0.0.2" : "test";
  generic.test_unlisted = kind == ListKind::ip ? "127.0.0.1" : "invalid";
  // Spamhaus's Data Query Service zones (KEY.zen.dq.spamhaus.net) and mirrors have names no table can hold,
  // and refuse with these.
  generic.error_codes = spamhaus_errors();
  return generic;
}

}  // namespace dns::dnsbl
