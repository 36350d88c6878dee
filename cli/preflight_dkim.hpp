// preflight_dkim.hpp — preflight's DKIM check: dkim::check_key for one signing key, as a preflight finding.
// Lives in cli/ because dns/preflight cannot depend on dkim/ (dkim/ depends on dns/).
#pragma once

#include <asio/awaitable.hpp>

#include "dns/preflight/preflight.hpp"

namespace cli {

asio::awaitable<dns::preflight::DkimKeyResult> check_dkim_key(dns::Resolver& resolver,
                                                              const dns::preflight::DkimKey& key);

}  // namespace cli
