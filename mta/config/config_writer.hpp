// config_writer.hpp — the effective configuration as a TOML table: what `relayctl config check` prints.
// Every key is written, defaults included, so the output is also a complete, loadable config file.
#pragma once

#include <toml++/toml.h>

#include "mta/config/config.hpp"

namespace mta::config {

toml::table to_toml(const Config& config);

}  // namespace mta::config
