#include "campaigns/verp.hpp"

#include "dns/name.hpp"

namespace campaigns {

std::optional<std::string> verp_encode(std::string_view bounce_local, std::string_view bounce_domain,
                                       std::string_view recipient) {
  auto at = recipient.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == recipient.size() || recipient.find('@') != at)
    return std::nullopt;
  std::string out(bounce_local);
  out += '+';
  out += recipient.substr(0, at);
  out += '=';
  out += recipient.substr(at + 1);
  out += '@';
  out += bounce_domain;
  return out;
}

std::optional<std::string> verp_decode(std::string_view bounce_local, std::string_view bounce_domain,
                                       std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  if (dns::canonical_name(address.substr(at + 1)) != dns::canonical_name(bounce_domain)) return std::nullopt;
  std::string_view local = address.substr(0, at);
  if (local.size() <= bounce_local.size() + 1 || !local.starts_with(bounce_local) ||
      local[bounce_local.size()] != '+')
    return std::nullopt;
  std::string_view encoded = local.substr(bounce_local.size() + 1);
  auto equals = encoded.rfind('=');  // a recipient's local part may hold '=', its domain may not
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == encoded.size()) return std::nullopt;
  std::string_view domain = encoded.substr(equals + 1);
  if (!dns::is_valid_hostname(domain)) return std::nullopt;
  std::string out(encoded.substr(0, equals));
  out += '@';
  out += domain;
  return out;
}

}  // namespace campaigns
