// link_extraction.cpp — HTML is read with a small tokenizer after HTML's own (§13.2.5): comments, bogus
// comments, end tags, start tags with their attributes (quoted, unquoted, or bare), and the raw-text
// elements (script, style) whose content is no markup. Every loop moves forward, so a part is read once.
#include "campaigns/message/link_extraction.hpp"

#include <algorithm>
#include <array>

#include "dns/name.hpp"

namespace campaigns {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), lower);
  return out;
}

bool starts_with_nocase(std::string_view text, std::size_t pos, std::string_view prefix) {
  if (text.size() - pos < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (lower(text[pos + i]) != prefix[i]) return false;
  return true;
}

// Where a URL written in text ends: white space, controls, and the characters that quote or bracket it.
bool ends_url(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7f || u >= 0x80) return true;
  return std::string_view("<>\"'`()[]{}|^\\ ").find(c) != std::string_view::npos;
}

bool is_host_char(char c) {
  return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
}

class Collector {
 public:
  Collector(LinkHosts& hosts, const LinkLimits& limits) : hosts_(hosts), limits_(limits) {}
  bool full() const { return hosts_.names.size() + hosts_.unchecked.size() >= limits_.max_hosts; }
  std::size_t max_url() const { return limits_.max_url; }
  void add(const std::optional<UrlHost>& found) {
    if (!found || full()) return;
    auto& list = found->name ? hosts_.names : hosts_.unchecked;
    if (std::find(list.begin(), list.end(), found->host) == list.end()) list.push_back(found->host);
  }

 private:
  LinkHosts& hosts_;
  const LinkLimits& limits_;
};

// ---- character references (HTML §13.5) ----------------------------------------------------------------

struct NamedReference {
  std::string_view name;
  std::string_view text;
};

// The named references that can spell a URL's punctuation, and the usual ones; others stay as written.
constexpr std::array<NamedReference, 24> kNamedReferences{{
    {"amp", "&"},      {"lt", "<"},     {"gt", ">"},     {"quot", "\""},  {"apos", "'"},   {"nbsp", " "},
    {"colon", ":"},    {"sol", "/"},    {"bsol", "\\"},  {"period", "."}, {"commat", "@"}, {"num", "#"},
    {"quest", "?"},    {"equals", "="}, {"percnt", "%"}, {"lpar", "("},   {"rpar", ")"},   {"Tab", "\t"},
    {"NewLine", "\n"}, {"hyphen", "-"}, {"dash", "-"},   {"lowbar", "_"}, {"plus", "+"},   {"comma", ","},
}};

void append_utf8(std::string& out, unsigned long code) {
  if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) code = 0xFFFD;
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  c = lower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// "&#x2F;" at text[pos]: appends what it stands for and returns the position after it; npos when text[pos]
// begins no reference (the '&' is then literal).
std::size_t decode_reference(std::string_view text, std::size_t pos, std::string& out) {
  std::size_t p = pos + 1;
  if (p < text.size() && text[p] == '#') {
    ++p;
    const bool hex = p < text.size() && (text[p] == 'x' || text[p] == 'X');
    if (hex) ++p;
    const std::size_t digits_start = p;
    unsigned long code = 0;
    while (p < text.size()) {
      const int digit = hex ? hex_value(text[p]) : (is_digit(text[p]) ? text[p] - '0' : -1);
      if (digit < 0) break;
      if (code <= 0x10FFFF) code = code * (hex ? 16 : 10) + static_cast<unsigned long>(digit);
      ++p;
    }
    if (p == digits_start) return std::string_view::npos;
    if (p < text.size() && text[p] == ';') ++p;
    append_utf8(out, code);
    return p;
  }
  for (const auto& ref : kNamedReferences)
    if (text.substr(p, ref.name.size()) == ref.name && p + ref.name.size() < text.size() &&
        text[p + ref.name.size()] == ';') {
      out += ref.text;
      return p + ref.name.size() + 1;
    }
  return std::string_view::npos;
}

std::string decode_references(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto amp = text.find('&', pos);
    if (amp == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, amp - pos));
    auto next = decode_reference(text, amp, out);
    if (next == std::string_view::npos) {
      out += '&';
      pos = amp + 1;
    } else {
      pos = next;
    }
  }
  return out;
}

// ---- URLs in text ----------------------------------------------------------------------------------

void scan_text(std::string_view text, Collector& collector) {
  std::size_t i = 0;
  while (i < text.size() && !collector.full()) {
    const char c = lower(text[i]);
    const bool scheme =
        c == 'h' && (starts_with_nocase(text, i, "http://") || starts_with_nocase(text, i, "https://"));
    const bool www =
        c == 'w' && starts_with_nocase(text, i, "www.") && (i == 0 || !is_host_char(text[i - 1]));
    if (!scheme && !www) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && end - i < collector.max_url() && !ends_url(text[end]))
      ++end;
    std::string_view url = text.substr(i, end - i);
    while (!url.empty() && std::string_view(".,;:!?").find(url.back()) != std::string_view::npos)
      url.remove_suffix(1);
    collector.add(url_host(scheme ? std::string(url) : "http://" + std::string(url)));
    i = std::max(end, i + 1);
  }
}

// ---- HTML ----------------------------------------------------------------------------------------

// Attributes whose whole value is one URL (HTML and the legacy presentational ones mail still uses).
constexpr std::array<std::string_view, 12> kUrlAttributes{"href",       "src",    "action", "formaction",
                                                          "background", "poster", "cite",   "data",
                                                          "longdesc",   "lowsrc", "dynsrc", "xlink:href"};

void scan_attribute(std::string_view name, std::string_view value, Collector& collector) {
  const std::string decoded = decode_references(value);
  if (std::find(kUrlAttributes.begin(), kUrlAttributes.end(), name) != kUrlAttributes.end())
    collector.add(url_host(std::string_view(decoded).substr(0, collector.max_url())));
  scan_text(decoded, collector);  // srcset, style="background:url(...)", <meta content="0;url=...">
}

// A start tag whose name begins at html[pos]: reads its attributes; returns the position after its '>' and
// sets name (lower case).
std::size_t read_start_tag(std::string_view html, std::size_t pos, std::string& name, Collector& collector) {
  std::size_t p = pos;
  while (p < html.size() && !is_space(html[p]) && html[p] != '/' && html[p] != '>')
    ++p;
  name = lowered(html.substr(pos, std::min<std::size_t>(p - pos, 16)));
  while (p < html.size()) {
    while (p < html.size() && (is_space(html[p]) || html[p] == '/'))
      ++p;
    if (p >= html.size()) break;
    if (html[p] == '>') return p + 1;
    const std::size_t name_start = p++;  // a first '=' belongs to the name (§13.2.5.32)
    while (p < html.size() && !is_space(html[p]) && html[p] != '/' && html[p] != '>' && html[p] != '=')
      ++p;
    const std::string attribute = lowered(html.substr(name_start, std::min<std::size_t>(p - name_start, 32)));
    while (p < html.size() && is_space(html[p]))
      ++p;
    if (p >= html.size() || html[p] != '=') continue;
    ++p;
    while (p < html.size() && is_space(html[p]))
      ++p;
    std::string_view value;
    if (p < html.size() && (html[p] == '"' || html[p] == '\'')) {
      const auto close = html.find(html[p], p + 1);
      const auto end = close == std::string_view::npos ? html.size() : close;
      value = html.substr(p + 1, end - p - 1);
      p = close == std::string_view::npos ? html.size() : close + 1;
    } else {
      const std::size_t start = p;
      while (p < html.size() && !is_space(html[p]) && html[p] != '>')
        ++p;
      value = html.substr(start, p - start);
    }
    scan_attribute(attribute, value, collector);
  }
  return html.size();
}

// The end of a raw-text element's content: its end tag "</name", else the end of the part.
std::size_t raw_text_end(std::string_view html, std::size_t pos, const std::string& name) {
  const std::string end_tag = "</" + name;
  while ((pos = html.find('<', pos)) != std::string_view::npos) {
    if (starts_with_nocase(html, pos, end_tag)) return pos;
    ++pos;
  }
  return html.size();
}

std::size_t after(std::string_view html, std::size_t from, std::string_view terminator) {
  const auto end = html.find(terminator, from);
  return end == std::string_view::npos ? html.size() : end + terminator.size();
}

void scan_html(std::string_view html, Collector& collector) {
  std::size_t text_start = 0;
  std::size_t i = 0;
  auto flush_text = [&](std::size_t end) {
    if (end > text_start) scan_text(decode_references(html.substr(text_start, end - text_start)), collector);
  };
  while (!collector.full() && (i = html.find('<', i)) != std::string_view::npos) {
    const char next = i + 1 < html.size() ? html[i + 1] : '\0';
    const char after_slash = i + 2 < html.size() ? html[i + 2] : '\0';
    if (starts_with_nocase(html, i, "<!--")) {
      flush_text(i);
      const std::size_t end = after(html, i + 4, "-->");
      scan_text(html.substr(i + 4, end - i - 4), collector);  // hidden, but the filters read it too
      i = end;
    } else if (next == '!' || next == '?' || (next == '/' && is_alpha(after_slash))) {
      flush_text(i);
      i = after(html, i + 1, ">");
    } else if (is_alpha(next)) {
      flush_text(i);
      std::string name;
      i = read_start_tag(html, i + 1, name, collector);
      if (name == "script" || name == "style") {
        const std::size_t end = raw_text_end(html, i, name);
        scan_text(html.substr(i, end - i), collector);
        i = end;
      }
    } else {
      ++i;  // a literal '<' in the text
      continue;
    }
    text_start = i;
  }
  if (!collector.full()) flush_text(html.size());
}

// Printable ASCII as it is, every other byte as %XX: safe to print, and unambiguous.
std::string escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u > 0x20 && u < 0x7f && c != '%') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

bool is_ipv4_literal(std::string_view host) {
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos &&
         host.find_first_of("0123456789") != std::string_view::npos;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

std::optional<UrlHost> url_host(std::string_view url) {
  auto is_trimmed = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  while (!url.empty() && is_trimmed(url.front()))
    url.remove_prefix(1);
  while (!url.empty() && is_trimmed(url.back()))
    url.remove_suffix(1);
  std::string cleaned;
  cleaned.reserve(url.size());
  for (char c : url)
    if (c != '\t' && c != '\n' && c != '\r') cleaned += c == '\\' ? '/' : c;

  std::size_t p = 0;
  if (cleaned.rfind("//", 0) != 0) {
    const auto colon = cleaned.find(':');
    if (colon == std::string::npos) return std::nullopt;
    const std::string scheme = lowered(std::string_view(cleaned).substr(0, colon));
    if (scheme != "http" && scheme != "https") return std::nullopt;
    p = colon + 1;
  }
  while (p < cleaned.size() && cleaned[p] == '/')
    ++p;
  const auto end = cleaned.find_first_of("/?#", p);
  std::string_view authority = std::string_view(cleaned).substr(p, end == std::string::npos ? end : end - p);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return UrlHost{escaped(lowered(authority.substr(0, close + 1))), false};
  }
  std::string host = lowered(percent_decoded(authority.substr(0, authority.find(':'))));
  if (host.empty()) return std::nullopt;
  const bool ascii =
      std::all_of(host.begin(), host.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (is_ipv4_literal(host) || !ascii) return UrlHost{escaped(host), false};
  if (!dns::is_valid_hostname(host)) return std::nullopt;
  host = dns::canonical_name(host);
  if (host.find('.') == std::string::npos) return std::nullopt;
  return UrlHost{host, true};
}

void extract_link_hosts(std::string_view part, PartKind kind, LinkHosts& hosts, const LinkLimits& limits) {
  Collector collector(hosts, limits);
  if (kind == PartKind::html)
    scan_html(part, collector);
  else
    scan_text(part, collector);
}

}  // namespace campaigns
