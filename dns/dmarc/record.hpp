// record.hpp — a DMARC policy record (RFC 7489 §6.3), parsed from the text of a _dmarc TXT record.
// Tags are "name=value" pairs separated by ';'; v=DMARC1 must come first; unknown tags are ignored (§6.3),
// bad values of known tags are reported. The DMARCbis tags np, psd and t are recognised.
// Untrusted input: TXT data from DNS; parse() never throws and bounds what it keeps.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/dmarc/org_domain.hpp"

namespace dns {

enum class DmarcPolicy { none, quarantine, reject };
std::string_view to_string(DmarcPolicy policy);

struct DmarcRecord {
  std::optional<DmarcPolicy> p;   // missing or invalid: see DmarcParse::effective_policy
  std::optional<DmarcPolicy> sp;  // subdomain policy; default p
  std::optional<DmarcPolicy> np;  // non-existent subdomain policy (DMARCbis); default sp
  Alignment adkim = Alignment::relaxed;
  Alignment aspf = Alignment::relaxed;
  unsigned pct = 100;
  std::vector<std::string> rua;  // aggregate report URIs, e.g. "mailto:dmarc@example.com"
  std::vector<std::string> ruf;  // failure report URIs
  std::string fo = "0";
  unsigned ri = 86400;
};

struct DmarcParse {
  bool is_dmarc = false;  // starts with v=DMARC1 (else the record is not a DMARC record at all)
  DmarcRecord record;
  std::vector<std::string> problems;  // each a sentence naming the tag and what is wrong
  // The policy a receiver applies (§6.6.3 step 6): p if valid; none if p is missing or bad but rua has a
  // valid URI; otherwise nothing (no DMARC processing).
  std::optional<DmarcPolicy> effective_policy() const;
};

DmarcParse parse_dmarc(std::string_view text);

}  // namespace dns
