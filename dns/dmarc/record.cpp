#include "dns/dmarc/record.hpp"

#include <algorithm>
#include <charconv>

#include "dns/ascii.hpp"

namespace dns {
namespace {

constexpr std::size_t kMaxUris = 16;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<DmarcPolicy> parse_policy(std::string_view value) {
  std::string v = ascii::lowered(value);
  if (v == "none") return DmarcPolicy::none;
  if (v == "quarantine") return DmarcPolicy::quarantine;
  if (v == "reject") return DmarcPolicy::reject;
  return std::nullopt;
}

std::optional<unsigned> parse_number(std::string_view value, unsigned max) {
  unsigned n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc{} || ptr != value.data() + value.size() || n > max)
    return std::nullopt;
  return n;
}

// "mailto:a@example.com!10m" -> "mailto:a@example.com"; nothing when it is not a URI (§6.2: a scheme and
// ':').
std::optional<std::string> parse_uri(std::string_view item) {
  item = trim(item);
  if (auto bang = item.rfind('!'); bang != std::string_view::npos) item = item.substr(0, bang);
  auto colon = item.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == item.size()) return std::nullopt;
  for (char c : item.substr(0, colon))
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return std::nullopt;
  return std::string(item);
}

void parse_uris(std::string_view tag, std::string_view value, std::vector<std::string>& out,
                std::vector<std::string>& problems) {
  std::size_t start = 0;
  while (start <= value.size()) {
    auto comma = value.find(',', start);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view item = value.substr(start, comma - start);
    if (auto uri = parse_uri(item)) {
      if (out.size() < kMaxUris) out.push_back(*uri);
    } else {
      problems.push_back(std::string(tag) + "=: \"" + std::string(trim(item)) +
                         "\" is not a URI; write e.g. mailto:dmarc-reports@example.com");
    }
    start = comma + 1;
  }
}

}  // namespace

std::string_view to_string(DmarcPolicy policy) {
  switch (policy) {
    case DmarcPolicy::none:
      return "none";
    case DmarcPolicy::quarantine:
      return "quarantine";
    case DmarcPolicy::reject:
      return "reject";
  }
  return "none";
}

std::optional<DmarcPolicy> DmarcParse::effective_policy() const {
  if (!is_dmarc) return std::nullopt;
  if (record.p) return record.p;
  if (!record.rua.empty()) return DmarcPolicy::none;
  return std::nullopt;
}

DmarcParse parse_dmarc(std::string_view text) {
  DmarcParse out;
  bool first = true;
  std::size_t start = 0;
  while (start < text.size()) {
    auto semicolon = text.find(';', start);
    if (semicolon == std::string_view::npos) semicolon = text.size();
    std::string_view pair = trim(text.substr(start, semicolon - start));
    start = semicolon + 1;
    if (pair.empty()) {
      if (first) return out;  // "v=" must be first; an empty first tag is not DMARC
      continue;
    }
    auto equals = pair.find('=');
    std::string tag = ascii::lowered(trim(pair.substr(0, equals)));
    std::string_view value =
        equals == std::string_view::npos ? std::string_view{} : trim(pair.substr(equals + 1));
    if (first) {
      if (tag != "v" || value != "DMARC1")
        return out;  // §6.6.3: records not starting with v=DMARC1 are ignored
      out.is_dmarc = true;
      first = false;
      continue;
    }
    auto bad = [&](std::string what) {
      out.problems.push_back(tag + "=" + std::string(value) + ": " + what);
    };
    DmarcRecord& r = out.record;
    if (equals == std::string_view::npos) {
      out.problems.push_back("\"" + std::string(pair) + "\" has no '='; tags are written name=value");
    } else if (tag == "p" || tag == "sp" || tag == "np") {
      auto policy = parse_policy(value);
      if (!policy) bad("expected none, quarantine or reject");
      (tag == "p" ? r.p : tag == "sp" ? r.sp : r.np) = policy;
    } else if (tag == "adkim" || tag == "aspf") {
      std::string v = ascii::lowered(value);
      if (v == "r" || v == "s")
        (tag == "adkim" ? r.adkim : r.aspf) = v == "s" ? Alignment::strict : Alignment::relaxed;
      else
        bad("expected r (relaxed) or s (strict)");
    } else if (tag == "pct") {
      if (auto n = parse_number(value, 100))
        r.pct = *n;
      else
        bad("expected a whole number from 0 to 100");
    } else if (tag == "ri") {
      if (auto n = parse_number(value, 4294967295u))
        r.ri = *n;
      else
        bad("expected a number of seconds");
    } else if (tag == "rua") {
      parse_uris("rua", value, r.rua, out.problems);
    } else if (tag == "ruf") {
      parse_uris("ruf", value, r.ruf, out.problems);
    } else if (tag == "fo") {
      r.fo = std::string(value);
    } else if (tag == "v") {
      bad("v= may appear only once, first");
    }
    // rf, psd, t and unknown tags: ignored, as §6.3 requires of receivers.
  }
  if (first) return out;
  if (!out.record.p) out.problems.push_back("p=: missing; add p=none (monitor), p=quarantine or p=reject");
  return out;
}

}  // namespace dns
