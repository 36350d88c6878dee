#include "mta/config/inbound.hpp"

#include <array>
#include <cstddef>

namespace mta::config {

namespace {

// One table per enum: its names in enum order, read both ways.
template <typename Enum, std::size_t N>
std::optional<Enum> parse_named(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == text) return static_cast<Enum>(i);
  return std::nullopt;
}

constexpr std::array<std::string_view, 3> recipient_source_names{"none", "list", "probe"};
constexpr std::array<std::string_view, 5> spam_action_names{"none", "headers", "tag", "reject", "discard"};
constexpr std::array<std::string_view, 2> scanner_down_names{"defer", "accept"};
constexpr std::array<std::string_view, 2> backend_tls_names{"opportunistic", "required"};

}  // namespace

std::string_view to_string(RecipientSource source) { return recipient_source_names[static_cast<std::size_t>(source)]; }
std::optional<RecipientSource> parse_recipient_source(std::string_view text) {
  return parse_named<RecipientSource>(recipient_source_names, text);
}

std::string_view to_string(SpamAction action) { return spam_action_names[static_cast<std::size_t>(action)]; }
std::optional<SpamAction> parse_spam_action(std::string_view text) {
  return parse_named<SpamAction>(spam_action_names, text);
}

std::string_view to_string(ScannerDown choice) { return scanner_down_names[static_cast<std::size_t>(choice)]; }
std::optional<ScannerDown> parse_scanner_down(std::string_view text) {
  return parse_named<ScannerDown>(scanner_down_names, text);
}

std::string_view to_string(BackendTls tls) { return backend_tls_names[static_cast<std::size_t>(tls)]; }
std::optional<BackendTls> parse_backend_tls(std::string_view text) {
  return parse_named<BackendTls>(backend_tls_names, text);
}

const InboundDomain* InboundConfig::domain(std::string_view canonical_name) const {
  for (const auto& d : domains)
    if (d.name == canonical_name) return &d;
  return nullptr;
}

}  // namespace mta::config
