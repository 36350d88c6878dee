#include "mta/config/config_loader.hpp"

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mta/config/config_writer.hpp"
#include "tests/support/temp_dir.hpp"

namespace mta::config {
namespace {

using ::testing::HasSubstr;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string print(const Config& config) {
  std::ostringstream out;
  out << to_toml(config);
  return out.str();
}

LoadResult load(std::string_view text) {
  return load_config_text(text, "test.toml", {.check_files = false});
}

// --- each malformed file yields an error naming its line, its key and what is expected -----------------

struct BadConfig {
  std::string label;
  std::string text;
  std::uint32_t line;
  std::string key;
  std::string message;  // a substring of the diagnostic's message
  friend void PrintTo(const BadConfig& c, std::ostream* os) { *os << c.label; }
};

class BadConfigTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadConfigTest, ReportsLineKeyAndFix) {
  const BadConfig& c = GetParam();
  LoadResult result = load(c.text);
  EXPECT_FALSE(result.config.has_value());
  ASSERT_EQ(result.errors.size(), 1u) << format_diagnostic("test.toml", result.errors.front());
  const Diagnostic& d = result.errors.front();
  EXPECT_EQ(d.line, c.line) << d.message;
  EXPECT_EQ(d.key, c.key) << d.message;
  EXPECT_THAT(d.message, HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Config, BadConfigTest,
    ::testing::Values(
        BadConfig{"syntax", "[server\nhostname = \"x\"\n", 1, "", "TOML syntax error"},
        BadConfig{"unknown_key", "[server]\nhostnme = \"mx.example.com\"\n", 2, "server.hostnme",
                  "did you mean 'hostname'?"},
        BadConfig{"unknown_section", "\n[serverr]\n", 2, "serverr", "did you mean 'server'?"},
        BadConfig{"unknown_far", "[spool]\nqueue_dir = \"/x\"\n", 2, "spool.queue_dir",
                  "keys allowed here: directory"},
        BadConfig{"wrong_type",
                  "[[server.listener]]\naddress = \"127.0.0.1\"\nport = \"587\"\nkind = \"submission\"\n", 3,
                  "server.listener[0].port", "expected an integer, got a string"},
        BadConfig{"port_range",
                  "[[server.listener]]\naddress = \"127.0.0.1\"\nport = 70000\nkind = \"relay\"\n", 3,
                  "server.listener[0].port", "from 1 to 65535, got 70000"},
        BadConfig{"bad_kind", "[[server.listener]]\naddress = \"127.0.0.1\"\nport = 25\nkind = \"smtp\"\n", 4,
                  "server.listener[0].kind", "expected submission, smtps, relay or inbound"},
        BadConfig{"missing_kind", "[[server.listener]]\naddress = \"127.0.0.1\"\nport = 25\n", 1,
                  "server.listener[0]", "missing key 'kind'"},
        BadConfig{"listener_address",
                  "[[server.listener]]\naddress = \"localhost\"\nport = 25\nkind = \"relay\"\n", 2,
                  "server.listener[0].address", "is not an IP address"},
        BadConfig{"bounce_rule_class",
                  "[[bounces.rule]]\nname = \"a\"\nclass = \"spam\"\nseverity = \"hard\"\ncode = \"5\"\n", 3,
                  "bounces.rule[0].class", "is not a bounce class; use one of \"invalid-recipient\""},
        BadConfig{"bounce_rule_no_condition",
                  "[[bounces.rule]]\nname = \"a\"\nclass = \"other\"\nseverity = \"hard\"\n", 1,
                  "bounces.rule[0]", "has no condition"},
        BadConfig{"bounce_rule_code_type",
                  "[[bounces.rule]]\nname = \"a\"\nclass = \"other\"\nseverity = \"hard\"\ncode = 550\n", 5,
                  "bounces.rule[0].code", "expected a string or an array of strings"},
        BadConfig{"bounce_rule_status",
                  "[[bounces.rule]]\nname = \"a\"\nclass = \"other\"\nseverity = \"soft\"\nstatus = [\"4.2\", \"4.x.1\"]\n",
                  5, "bounces.rule[0].status", "not an enhanced status code pattern"},
        BadConfig{"spam_action",
                  "[[inbound.domain]]\nname = \"a.example\"\n[inbound.domain.spam]\nhigh = { action = \"bounce\" }\n",
                  4, "inbound.domain[0].spam.high.action", "expected none, headers, tag, reject or discard"},
        BadConfig{"greylist_window", "[inbound.greylist]\ndelay = \"10m\"\nretry_window = \"5m\"\n", 3,
                  "inbound.greylist.retry_window", "must be longer than delay"},
        BadConfig{"recipient_source", "[[inbound.domain]]\nname = \"a.example\"\nrecipients = \"ldap\"\n", 3,
                  "inbound.domain[0].recipients", "expected none, list or probe"},
        BadConfig{"clamd_address", "[inbound.clamd]\naddress = \"unix:clamd.sock\"\n", 2, "inbound.clamd.address",
                  "write \"unix:/absolute/path\""},
        BadConfig{"bounce_rules_file_relative", "[bounces]\nrules_file = \"rules.toml\"\n", 2,
                  "bounces.rules_file", "expected an absolute path"},
        BadConfig{"duplicate_listener",
                  "[[server.listener]]\naddress = \"127.0.0.1\"\nport = 25\nkind = \"relay\"\n"
                  "[[server.listener]]\naddress = \"127.0.0.1\"\nport = 25\nkind = \"inbound\"\n",
                  7, "server.listener[1].port", "another listener already uses 127.0.0.1 port 25"},
        BadConfig{"listener_not_table", "[server]\nlistener = [1]\n", 2, "server.listener[0]",
                  "expected a table, got an integer"},
        BadConfig{"hostname", "[server]\nhostname = \"mx_1.example.com\"\n", 2, "server.hostname",
                  "not a valid host name"},
        BadConfig{"network", "[server]\ntrusted_networks = [\"10.0.0.0/8\",\n  \"10.0.0.0/33\"]\n", 3,
                  "server.trusted_networks", "\"10.0.0.0/33\" is not a network"},
        BadConfig{"tls_half", "[server.tls]\ncertificate = \"/etc/c.pem\"\n", 1, "server.tls",
                  "set both 'certificate' and 'key'"},
        BadConfig{"spool_relative", "[spool]\ndirectory = \"spool\"\n", 2, "spool.directory",
                  "expected an absolute path"},
        BadConfig{"nameserver_name", "[dns]\nnameservers = [\"ns.example.com\"]\n", 2, "dns.nameservers",
                  "is not an IP address"},
        BadConfig{"nameserver_port", "[dns]\nnameservers = [\"127.0.0.1:0\"]\n", 2, "dns.nameservers",
                  "bad port \"0\""},
        BadConfig{"duration", "[delivery]\nretry_initial = \"5 minutes\"\n", 2, "delivery.retry_initial",
                  "is not a duration"},
        BadConfig{"duration_integer", "[dns]\ntimeout = 5\n", 2, "dns.timeout", "expected a duration string"},
        BadConfig{"retry_order", "[delivery]\nretry_initial = \"2h\"\n", 1, "delivery.retry_max",
                  "must not be shorter than retry_initial (2h)"},
        BadConfig{"pause_order", "[delivery]\nrate_limit_pause = \"2h\"\n", 1,
                  "delivery.rate_limit_pause_max", "must not be shorter than rate_limit_pause (2h)"},
        BadConfig{"late_warning", "[delivery]\nmax_queue_lifetime = \"1d\"\ndelay_warning_after = \"2d\"\n",
                  3, "delivery.delay_warning_after", "must be shorter than max_queue_lifetime (1d)"},
        BadConfig{"zero_lifetime", "[delivery]\nmax_queue_lifetime = \"0s\"\n", 2,
                  "delivery.max_queue_lifetime", "must be longer than 0s"},
        BadConfig{"pool_source",
                  "[[delivery.source]]\nname = \"ip1\"\naddress = \"192.0.2.1\"\n"
                  "[[delivery.pool]]\nname = \"p\"\nsources = [{ name = \"ip9\" }]\n",
                  6, "delivery.pool[0].sources[0]", "no [[delivery.source]] is named \"ip9\""},
        BadConfig{"pool_empty",
                  "[[delivery.source]]\nname = \"ip1\"\naddress = \"192.0.2.1\"\n"
                  "[[delivery.pool]]\nname = \"p\"\nsources = []\n",
                  6, "delivery.pool[0].sources", "a pool needs at least one source"},
        BadConfig{"default_pool", "[delivery]\ndefault_pool = \"bulk\"\n", 2, "delivery.default_pool",
                  "no [[delivery.pool]] is named \"bulk\""},
        BadConfig{"sender_pool_pool",
                  "[[delivery.source]]\nname = \"ip1\"\naddress = \"192.0.2.1\"\n"
                  "[[delivery.pool]]\nname = \"p\"\nsources = [{ name = \"ip1\" }]\n"
                  "[[delivery.sender_pool]]\nsender = \"example.com\"\npool = \"q\"\n",
                  9, "delivery.sender_pool[0].pool", "no [[delivery.pool]] is named \"q\""},
        BadConfig{"sender_pool_sender",
                  "[[delivery.source]]\nname = \"ip1\"\naddress = \"192.0.2.1\"\n"
                  "[[delivery.pool]]\nname = \"p\"\nsources = [{ name = \"ip1\" }]\n"
                  "[[delivery.sender_pool]]\nsender = \"a b@example.com\"\npool = \"p\"\n",
                  8, "delivery.sender_pool[0].sender", "is not an address, a domain"},
        BadConfig{"sender_pool_twice",
                  "[[delivery.source]]\nname = \"ip1\"\naddress = \"192.0.2.1\"\n"
                  "[[delivery.pool]]\nname = \"p\"\nsources = [{ name = \"ip1\" }]\n"
                  "[[delivery.sender_pool]]\nsender = \"example.com\"\npool = \"p\"\n"
                  "[[delivery.sender_pool]]\nsender = \"Example.COM\"\npool = \"p\"\n",
                  11, "delivery.sender_pool[1].sender", "another [[delivery.sender_pool]] is for"},
        BadConfig{"route_hop",
                  "[[delivery.route]]\ndomain = \"example.net\"\nnext_hop = \"127.0.0.1:99999\"\n", 3,
                  "delivery.route[0].next_hop", "bad port \"99999\""},
        BadConfig{"rate", "[[delivery.shaping]]\nmatch = \"*.google.com\"\nrate = \"fast\"\n", 3,
                  "delivery.shaping[0].rate", "is not a rate"},
        BadConfig{"canonicalization", "[dkim]\ncanonicalization = \"relaxed\"\n", 2, "dkim.canonicalization",
                  "expected header/body"},
        BadConfig{"dkim_wildcard", "[[dkim.sign]]\nfrom = \"*\"\nselector = \"s1\"\nkey = \"/k.pem\"\n", 1,
                  "dkim.sign[0]", "a wildcard 'from' needs 'domain'"},
        BadConfig{"backend_domain",
                  "[inbound]\nrelay_domains = [\"a.example\"]\n[[inbound.backend]]\ndomain = \"b.example\"\n"
                  "next_hop = \"127.0.0.1\"\n",
                  4, "inbound.backend[0].domain", "not in [inbound] relay_domains"},
        BadConfig{"metrics", "[admin]\nmetrics_listen = \"127.0.0.1\"\n", 2, "admin.metrics_listen",
                  "no port"}),
    [](const auto& info) { return info.param.label; });

TEST(ConfigLoader, ReportsEveryErrorNotJustTheFirst) {
  LoadResult result =
      load("[server]\nhostnme = \"x\"\n[spool]\ndirectory = \"rel\"\n[dns]\ntimeout = \"x\"\n");
  ASSERT_EQ(result.errors.size(), 3u);
  EXPECT_EQ(result.errors[0].line, 2u);
  EXPECT_EQ(result.errors[1].line, 4u);
  EXPECT_EQ(result.errors[2].line, 6u);
}

TEST(ConfigLoader, FormatsDiagnosticsLikeACompiler) {
  LoadResult result = load("[server]\n  hostnme = \"x\"\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(
      format_diagnostic("/etc/relayctl/relayctl.toml", result.errors[0]),
      "/etc/relayctl/relayctl.toml:2:3: server.hostnme: unknown key 'hostnme'; did you mean 'hostname'?");
}

TEST(ConfigLoader, MissingKeyFileNamesTheFixWhenFilesAreChecked) {
  relay::test::TempDir dir;
  auto present = dir.write("present.pem", "key");
  std::string text = "[[dkim.sign]]\nfrom = \"example.com\"\nselector = \"s1\"\nkey = \"" + present.string() +
                     "\"\n[[dkim.sign]]\nfrom = \"example.org\"\nselector = \"s1\"\nkey = \"" +
                     (dir.path() / "absent.pem").string() + "\"\n";
  LoadResult result = load_config_text(text, "test.toml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line, 8u);
  EXPECT_EQ(result.errors[0].key, "dkim.sign[1].key");
  EXPECT_THAT(
      result.errors[0].message,
      HasSubstr("does not exist; make one with `relayctl dkim keygen --domain example.org --selector s1`"));
}

TEST(ConfigLoader, UnreadableFileIsAnError) {
  LoadResult result = load_config_file("/nonexistent/relayctl.toml");
  EXPECT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_THAT(result.errors[0].message, HasSubstr("cannot read the configuration file"));
}

// --- good files ------------------------------------------------------------------------------------------

TEST(ConfigLoader, EmptyFileGivesTheBuiltInDefaults) {
  LoadResult result = load("");
  ASSERT_TRUE(result.config) << result.errors.size();
  EXPECT_EQ(print(*result.config), print(default_config()));
}

TEST(ConfigLoader, DefaultsListenOnLoopbackOnly) {
  Config config = default_config();
  ASSERT_FALSE(config.server.listeners.empty());
  for (const auto& listener : config.server.listeners) {
    asio::error_code ec;
    EXPECT_TRUE(asio::ip::make_address(listener.address, ec).is_loopback()) << listener.address;
  }
  EXPECT_FALSE(config.server.hostname.empty());
  ASSERT_TRUE(config.admin.metrics_listen);
  EXPECT_TRUE(config.admin.metrics_listen->ip()->is_loopback());
}

TEST(ConfigLoader, FullFileLoadsWithEveryValue) {
  LoadResult result = load(read_file(RELAY_FIXTURES_DIR "/config/full.toml"));
  ASSERT_TRUE(result.config) << format_diagnostic("full.toml", result.errors.front());
  const Config& c = *result.config;
  EXPECT_EQ(c.server.hostname, "mta1.example.com");
  ASSERT_EQ(c.server.listeners.size(), 4u);
  EXPECT_EQ(c.server.listeners[2].address, "::1");
  EXPECT_EQ(c.server.listeners[2].kind, ListenerKind::relay);
  EXPECT_EQ(c.dns.nameservers[1].to_string(), "[::1]:53");
  EXPECT_EQ(c.dns.nameservers[2].port, 53);
  EXPECT_EQ(c.dns.timeout, std::chrono::seconds(3));
  ASSERT_EQ(c.dkim.sign.size(), 2u);
  EXPECT_EQ(c.dkim.expire_after, std::chrono::seconds(7 * 86400));
  EXPECT_EQ(c.dkim.sign[0].domain, "example.com");  // d= defaults to the From domain
  EXPECT_EQ(c.dkim.sign[1].domain, "esp.example.net");
  EXPECT_EQ(c.delivery.pools[0].sources[0].weight, 3u);
  EXPECT_EQ(c.delivery.default_pool, "transactional");
  EXPECT_EQ(c.delivery.delay_warning_after, std::chrono::hours(4));
  EXPECT_EQ(c.delivery.rate_limit_pause, std::chrono::minutes(2));
  EXPECT_EQ(c.delivery.rate_limit_pause_max, std::chrono::hours(1));
  ASSERT_EQ(c.delivery.sender_pools.size(), 2u);
  EXPECT_EQ(c.delivery.sender_pools[0].pool, "marketing");
  EXPECT_EQ(c.delivery.sender_pools[1].sender, "alerts@news.example.com");  // lower case
  EXPECT_EQ(c.delivery.routes[0].next_hop.to_string(), "127.0.0.1:2500");
  EXPECT_EQ(c.delivery.routes[0].max_queue_lifetime, std::chrono::hours(1));
  EXPECT_EQ(c.delivery.shaping[0].rate, (Rate{300, std::chrono::minutes(1)}));
  EXPECT_EQ(c.delivery.shaping[0].max_recipients, 100u);
  EXPECT_TRUE(c.delivery.shaping[0].require_tls);
  EXPECT_EQ(c.inbound.domains[0].backends[0].address.to_string(), "mail.customer.example:25");
  EXPECT_EQ(c.inbound.relay_domains, (std::vector<std::string>{"customer.example", "shop.example"}));
  EXPECT_TRUE(c.inbound.domains[0].greylist);  // the defaults for a domain named the older way
  EXPECT_EQ(c.inbound.domains[0].recipients, RecipientSource::none);
  const InboundDomain* shop = c.inbound.domain("shop.example");
  ASSERT_NE(shop, nullptr);
  ASSERT_EQ(shop->backends.size(), 2u);
  EXPECT_EQ(shop->backends[0].weight, 3u);
  EXPECT_EQ(shop->backends[1].priority, 1u);
  EXPECT_EQ(shop->backend_tls, BackendTls::required);
  EXPECT_EQ(shop->recipients, RecipientSource::probe);
  EXPECT_EQ(shop->probe_negative_ttl, std::chrono::minutes(10));
  EXPECT_FALSE(shop->greylist);
  EXPECT_EQ(shop->max_queue_lifetime, std::chrono::hours(72));
  EXPECT_EQ(shop->drain_rate, 20u);
  EXPECT_TRUE(shop->spam.enabled);
  EXPECT_EQ(shop->spam.scanner_down, ScannerDown::accept);
  EXPECT_EQ(shop->spam.med.score, 7.5);
  EXPECT_EQ(shop->spam.high.action, SpamAction::discard);
  EXPECT_EQ(shop->spam.high.tag, "[SPAM!] ");
  EXPECT_EQ(c.inbound.greylist.whitelist_senders[1], "*.bank.example");
  EXPECT_EQ(c.inbound.clamd.address, "unix:/run/clamav/clamd.ctl");
  EXPECT_EQ(c.inbound.limits.bytes_per_second, 500000u);
  EXPECT_EQ(c.inbound.max_queue_lifetime, std::chrono::hours(7 * 24));
  EXPECT_EQ(c.admin.metrics_listen->port, 9100);
}

TEST(ConfigLoader, InboundDomainsAreCheckedAsAWhole) {
  LoadResult spam = load("[[inbound.domain]]\nname = \"a.example\"\nspam = { enabled = true }\n");
  ASSERT_FALSE(spam.config);
  EXPECT_THAT(spam.errors[0].message, HasSubstr("spam.enabled but [inbound.rspamd] has no address"));
  LoadResult twice = load("[[inbound.domain]]\nname = \"A.example\"\n[[inbound.domain]]\nname = \"a.example.\"\n");
  ASSERT_FALSE(twice.config);
  EXPECT_THAT(twice.errors[0].message, HasSubstr("a second [[inbound.domain]] named \"a.example\""));
  LoadResult both = load("[inbound]\nrelay_domains = [\"a.example\"]\n[[inbound.domain]]\nname = \"a.example\"\n"
                         "greylist = false\n");
  ASSERT_TRUE(both.config);
  ASSERT_EQ(both.config->inbound.domains.size(), 1u);
  EXPECT_FALSE(both.config->inbound.domains[0].greylist);
}

TEST(ConfigLoader, PrintedConfigurationLoadsBackUnchanged) {
  for (const std::string& text : {read_file(RELAY_FIXTURES_DIR "/config/full.toml"), std::string()}) {
    LoadResult first = load(text);
    ASSERT_TRUE(first.config);
    std::string printed = print(*first.config);
    LoadResult second = load(printed);
    ASSERT_TRUE(second.config) << printed;
    EXPECT_EQ(print(*second.config), printed);
  }
}

TEST(ConfigLoader, EmptyMetricsListenDisablesTheListener) {
  LoadResult result = load("[admin]\nmetrics_listen = \"\"\n");
  ASSERT_TRUE(result.config);
  EXPECT_FALSE(result.config->admin.metrics_listen);
}

// docs/configuration.md must document every key the configuration has.
void collect_keys(const toml::table& table, const std::string& prefix, std::vector<std::string>& out) {
  for (auto&& [key, node] : table) {
    std::string path = prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    if (const auto* sub = node.as_table()) {
      collect_keys(*sub, path, out);
    } else if (const auto* array = node.as_array(); array && !array->empty() && array->front().is_table()) {
      for (const auto& item : *array)
        collect_keys(*item.as_table(), path, out);
    } else {
      out.push_back(path);
    }
  }
}

TEST(ConfigDocs, EveryKeyIsDocumented) {
  LoadResult result = load(read_file(RELAY_FIXTURES_DIR "/config/full.toml"));
  ASSERT_TRUE(result.config);
  std::vector<std::string> keys;
  collect_keys(to_toml(*result.config), "", keys);
  std::string docs = read_file(RELAY_SOURCE_DIR "/docs/configuration.md");
  ASSERT_FALSE(docs.empty());
  for (const auto& key : keys)
    EXPECT_THAT(docs, HasSubstr("`" + key + "`")) << "undocumented key " << key;
}

}  // namespace
}  // namespace mta::config
