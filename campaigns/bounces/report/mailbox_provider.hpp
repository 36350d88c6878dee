// mailbox_provider.hpp — the mailbox provider behind an MX host, for the report's "by provider" table:
// the host's name matched against a table of MX host suffixes (mailbox_provider.cpp), the longest suffix
// on a label boundary winning, case and a trailing dot ignored. The table is compiled in, not a data file:
// it is a fact about the world that changes with a release, not something an operator tunes, and a report
// should not fail for a missing or broken file. Errors: none; an unknown host, an IP literal or an empty
// name is "other". Untrusted input: the MX host name (from DNS, via the delivery events).
#pragma once

#include <span>
#include <string_view>

namespace campaigns {

inline constexpr std::string_view kOtherProvider = "other";

struct ProviderSuffix {
  std::string_view suffix;  // "google.com": google.com and *.google.com
  std::string_view provider;
};

std::string_view provider_for_mx(std::string_view mx_host);
std::span<const ProviderSuffix> provider_suffixes();

}  // namespace campaigns
