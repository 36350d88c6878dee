// zone_files.hpp — the fixture zones of tests/fixtures/dns/ as NsdServer zones: zone("spf.test") reads
// tests/fixtures/dns/spf.test.zone.
#pragma once

#include <string>

#include "tests/support/nsd_server.hpp"

namespace relay::test {

Zone fixture_zone(const std::string& name);

}  // namespace relay::test
