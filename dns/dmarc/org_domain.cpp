#include "dns/dmarc/org_domain.hpp"

#include <libpsl.h>

#include "dns/name.hpp"

namespace dns {
namespace {

// The newest list on the machine (Debian's publicsuffix package), else the one built into libpsl.
const psl_ctx_t* suffix_list() {
  static const psl_ctx_t* list = [] {
    const psl_ctx_t* latest = psl_latest(nullptr);
    return latest ? latest : psl_builtin();
  }();
  return list;
}

}  // namespace

std::optional<std::string> organizational_domain(std::string_view domain) {
  std::string name = canonical_name(domain);
  if (name.empty() || !suffix_list()) return std::nullopt;
  const char* registrable = psl_registrable_domain(suffix_list(), name.c_str());
  if (!registrable) return std::nullopt;
  return std::string(registrable);
}

bool aligned(std::string_view domain, std::string_view from_domain, Alignment mode) {
  std::string a = canonical_name(domain), b = canonical_name(from_domain);
  if (a.empty() || b.empty()) return false;
  if (a == b) return true;
  if (mode == Alignment::strict) return false;
  auto org_a = organizational_domain(a), org_b = organizational_domain(b);
  return org_a && org_b && *org_a == *org_b;
}

}  // namespace dns
