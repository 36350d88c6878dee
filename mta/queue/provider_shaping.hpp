// provider_shaping.hpp — built-in traffic shaping for the large mailbox providers, matched on their MX host
// names: conservative connection and per-connection limits that their published guidance and common
// practice of bulk senders agree on. A [[delivery.shaping]] entry whose match applies to the same
// destination comes first and so overrides them (the engine uses the first entry that matches).
// Rate-limiting replies (4.7.28, 4.7.650, 421 "try again later"...) still back a destination off on top.
// Pure data.
#pragma once

#include <vector>

#include "mta/config/config.hpp"

namespace mta::queue {

const std::vector<config::Shaping>& provider_shaping();

// The configured entries first, then the built-in ones: the list the engine matches in order.
std::vector<config::Shaping> effective_shaping(const std::vector<config::Shaping>& configured);

}  // namespace mta::queue
