// link_extraction.hpp — the host names of the http(s) links in a decoded message part, for the domain
// blocklists: in HTML, the URL attributes of every tag (href, src, action, ...; character references
// decoded, tabs and newlines removed as browsers do) and the URLs written in text, attribute values,
// comments and style; in plain text, http(s):// URLs and bare www. names as mail clients linkify them.
// Host names are lower-cased without a trailing dot; IP literals and non-ASCII names (which no domain list
// can be asked about) are kept apart; other unusable hosts (one label, '_') are left out. Errors: none;
// bad markup is read as browsers read it. Untrusted input: the whole part — one pass, bounded by
// LinkLimits (URL length, number of hosts).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campaigns {

enum class PartKind { text, html };

struct LinkLimits {
  std::size_t max_url = 4096;   // octets of one URL looked at; the host comes first, so this is plenty
  std::size_t max_hosts = 100;  // names and unchecked hosts together
};

struct LinkHosts {
  std::vector<std::string> names;      // host names, each once
  std::vector<std::string> unchecked;  // IP literals and non-ASCII names (bytes outside printable ASCII
                                       // as %XX), each once
};

// Adds each host not yet in hosts, until it holds limits.max_hosts.
void extract_link_hosts(std::string_view part, PartKind kind, LinkHosts& hosts,
                        const LinkLimits& limits = {});

struct UrlHost {
  std::string host;
  bool name = true;  // false: an IP literal or a non-ASCII name (LinkHosts::unchecked)
};

// The host of an absolute http(s) URL or a scheme-relative //host URL, read as a browser reads an
// attribute value: surrounding white space ignored, tabs and newlines removed, backslashes as slashes,
// userinfo and port dropped, %XX in the host decoded. Nothing for other schemes and unusable hosts.
std::optional<UrlHost> url_host(std::string_view url);

}  // namespace campaigns
