// record.hpp — an SPF record's syntax (RFC 7208 §4.5, §4.6, §5, §6, §12 ABNF): selecting the one
// "v=spf1" record among a name's TXT strings, and parsing it into mechanisms and modifiers.
// Errors: any syntax error (unknown mechanism, bad CIDR, bad macro, repeated redirect/exp) makes the
// record unusable with a message saying which term is wrong (the caller's permerror).
// Untrusted input: the record text from DNS, of any length and content.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/ip_network.hpp"

namespace dns::spf {

enum class Qualifier { pass, fail, softfail, neutral };
enum class MechanismKind { all, include, a, mx, ptr, ip4, ip6, exists };

struct Mechanism {
  Qualifier qualifier = Qualifier::pass;
  MechanismKind kind = MechanismKind::all;
  std::string domain_spec;           // include/exists: required; a/mx/ptr: "" means the current domain
  unsigned cidr4 = 32;               // a, mx, ip4
  unsigned cidr6 = 128;              // a, mx, ip6
  std::optional<IpNetwork> network;  // ip4, ip6
  std::string text;                  // the term as written
  bool counts_dns() const {
    return kind == MechanismKind::include || kind == MechanismKind::a || kind == MechanismKind::mx ||
           kind == MechanismKind::ptr || kind == MechanismKind::exists;
  }
};

struct Modifier {
  std::string name;  // lower-cased
  std::string value;
};

struct Record {
  std::vector<Mechanism> mechanisms;
  std::optional<std::string> redirect;
  std::optional<std::string> exp;
  std::vector<Modifier> unknown_modifiers;
};

struct ParsedRecord {
  std::optional<Record> record;
  std::string error;
};

// "v=spf1" (any case) alone or followed by a space (§4.5).
bool is_spf_record(std::string_view text);
ParsedRecord parse_record(std::string_view text);

struct Selection {
  enum class Kind { none, one, several } kind = Kind::none;
  std::string record;
};
Selection select_record(const std::vector<std::string>& txt_records);

std::string_view to_string(Qualifier qualifier);

}  // namespace dns::spf
