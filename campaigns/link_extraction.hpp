// link_extraction.hpp — the host names of the http(s) links in a decoded message part, for the domain
// blocklists: in HTML, the URL attributes of every tag (href, src, action, ...; character references
// decoded, tabs and newlines removed as browsers do) and the URLs written in text, attribute values,
// comments and style; in plain text, http(s):// URLs and bare www. names as mail clients linkify them.
// Hosts are lower-cased without a trailing dot; IP literals, names without a dot and names that are not
// LDH host names (IDN U-labels included) are left out. Errors: none; bad markup is read as browsers read
// it. Untrusted input: the whole part — one pass, bounded by LinkLimits (URL length, number of hosts).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campaigns {

enum class PartKind { text, html };

struct LinkLimits {
  std::size_t max_url = 4096;  // octets of one URL looked at; the host comes first, so this is plenty
  std::size_t max_hosts = 100;
};

// Adds each host not yet in hosts, until hosts holds limits.max_hosts.
void extract_link_hosts(std::string_view part, PartKind kind, std::vector<std::string>& hosts,
                        const LinkLimits& limits = {});

// The host of an absolute http(s) URL or a scheme-relative //host URL, read as a browser reads an
// attribute value: surrounding white space ignored, tabs and newlines removed, backslashes as slashes,
// userinfo and port dropped, %XX in the host decoded. Nothing for other schemes and unusable hosts.
std::optional<std::string> url_host(std::string_view url);

}  // namespace campaigns
