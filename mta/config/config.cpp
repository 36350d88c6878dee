#include "mta/config/config.hpp"

#include <array>
#include <unistd.h>

#include "dns/name.hpp"
#include "mta/config/duration.hpp"

namespace mta::config {

std::string_view to_string(ListenerKind kind) {
  switch (kind) {
    case ListenerKind::submission:
      return "submission";
    case ListenerKind::smtps:
      return "smtps";
    case ListenerKind::relay:
      return "relay";
    case ListenerKind::inbound:
      return "inbound";
  }
  return "submission";
}

std::optional<ListenerKind> parse_listener_kind(std::string_view text) {
  for (auto kind :
       {ListenerKind::submission, ListenerKind::smtps, ListenerKind::relay, ListenerKind::inbound})
    if (text == to_string(kind)) return kind;
  return std::nullopt;
}

namespace {

struct SuppressionCheckName {
  SuppressionCheck check;
  std::string_view name;
};
constexpr SuppressionCheckName kSuppressionChecks[] = {
    {SuppressionCheck::campaign, "campaign"}, {SuppressionCheck::all, "all"}, {SuppressionCheck::off, "off"}};

}  // namespace

std::string_view to_string(SuppressionCheck check) {
  for (const auto& entry : kSuppressionChecks)
    if (entry.check == check) return entry.name;
  return "campaign";
}

std::optional<SuppressionCheck> parse_suppression_check(std::string_view text) {
  for (const auto& entry : kSuppressionChecks)
    if (entry.name == text) return entry.check;
  return std::nullopt;
}

std::string to_string(const Rate& rate) {
  if (rate.count == 0) return "unlimited";
  std::string per = format_duration(rate.per);
  if (per == "1s")
    per = "s";
  else if (per == "1m")
    per = "m";
  else if (per == "1h")
    per = "h";
  else if (per == "1d")
    per = "d";
  return std::to_string(rate.count) + "/" + per;
}

std::string machine_hostname() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "localhost";
  // No lookup here: a DNS query at start could hang on a machine without a resolver.
  std::string host = name.data();
  return dns::is_valid_hostname(host) ? dns::canonical_name(host) : "localhost";
}

}  // namespace mta::config
