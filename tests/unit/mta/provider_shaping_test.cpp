// Built-in shaping for the large providers: matched on real MX names the way the engine matches, and
// overridden by configured entries (which come first).
#include "mta/queue/provider_shaping.hpp"

#include <gtest/gtest.h>

#include "dkim/signing_table.hpp"
#include "mta/queue/engine.hpp"

namespace {

const mta::config::Shaping* first_match(const std::vector<mta::config::Shaping>& list,
                                        const std::string& host) {
  for (const auto& s : list)
    if (dkim::match_specificity(s.match, host) >= 0) return &s;
  return nullptr;
}

TEST(ProviderShaping, MatchesTheProvidersMxHosts) {
  const auto& table = mta::queue::provider_shaping();
  for (const char* host :
       {"gmail-smtp-in.l.google.com", "aspmx.l.google.com", "example-com.mail.protection.outlook.com",
        "outlook-com.olc.protection.outlook.com", "mta5.am0.yahoodns.net", "mx01.mail.icloud.com",
        "mx1.comcast.net", "mx00.gmx.net", "mx-ha02.web.de", "smtp-in.orange.fr"}) {
    auto* s = first_match(table, host);
    ASSERT_NE(s, nullptr) << host;
    EXPECT_GT(s->max_connections, 0u) << host;
    EXPECT_GT(s->max_messages_per_connection, 0u) << host;
  }
  EXPECT_EQ(first_match(table, "mx.example.org"), nullptr);
}

TEST(ProviderShaping, ConfiguredEntriesComeFirstAndOverride) {
  mta::config::Config config;
  config.delivery.shaping.push_back({"*.google.com", 2, 7, {}});
  auto options = mta::queue::engine_options(config);
  auto* s = first_match(options.shaping, "gmail-smtp-in.l.google.com");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->max_connections, 2u);
  EXPECT_EQ(s->max_messages_per_connection, 7u);
  // Others keep their built-in limits.
  EXPECT_EQ(first_match(options.shaping, "mta5.am0.yahoodns.net")->max_connections, 5u);
  EXPECT_EQ(options.shaping.size(), 1 + mta::queue::provider_shaping().size());
}

}  // namespace
