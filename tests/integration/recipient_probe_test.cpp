// RecipientProbe (recipients = probe) against real SMTP servers on 127.0.0.1
// (tests/support/behaviour_sink.py, whose answer to RCPT depends on the local part): valid, unknown, a
// backend's 4xx, a backend down, failover to the next priority, the cache (one RCPT for two checks,
// case-insensitive, bounded), the negative TTL with an injected clock, concurrent checks sharing one probe,
// required TLS, a slow backend, a backend that refuses the null sender, and what the probe never does (DATA,
// another sender, another domain).
#include "mta/inbound/recipients/recipient_probe.hpp"

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/behaviour_sink.hpp"
#include "tests/support/process.hpp"

namespace mta::inbound {
namespace {

using relay::test::BehaviourSink;
using relay::test::BehaviourSinkOptions;

config::InboundBackend backend_at(unsigned short port, unsigned priority = 0) {
  config::InboundBackend backend;
  backend.address = dns::HostPort{"127.0.0.1", port};
  backend.priority = priority;
  return backend;
}

config::InboundDomain domain_with(std::vector<config::InboundBackend> backends) {
  config::InboundDomain domain;
  domain.name = "example.net";
  domain.backends = std::move(backends);
  domain.recipients = config::RecipientSource::probe;
  domain.probe_positive_ttl = std::chrono::seconds(600);
  domain.probe_negative_ttl = std::chrono::seconds(60);
  return domain;
}

// Every RCPT the sink answered, by recipient.
std::vector<std::string> rcpts(const BehaviourSink& sink) {
  std::vector<std::string> out;
  for (const auto& event : sink.events("rcpt"))
    out.push_back(event["recipient"].get<std::string>());
  return out;
}

// What the probe may say to a backend: MAIL FROM:<> only, and never DATA.
void expect_only_probes(const BehaviourSink& sink) {
  for (const auto& event : sink.events("mail"))
    EXPECT_EQ(event["sender"], "") << event.dump();
  EXPECT_TRUE(sink.events("data").empty());
  EXPECT_TRUE(sink.messages().empty());
}

struct ManualClock {
  std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(1'000'000);
  std::function<std::int64_t()> function() const {
    return [now = now] { return now->load(); };
  }
};

RecipientProbe::Options options_with(std::chrono::seconds timeout = std::chrono::seconds(10)) {
  return RecipientProbe::Options{.helo_name = "mx.relay.test", .timeout = timeout};
}

TEST(RecipientProbe, AnExistingAddressIsValid) {
  BehaviourSink sink;
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(sink.port())});
  EXPECT_EQ(probe.check(domain, "accept.alice@example.net"), RecipientStatus::valid);
  EXPECT_EQ(rcpts(sink), std::vector<std::string>{"accept.alice@example.net"});
  auto events = sink.events("mail");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["sender"], "");
  EXPECT_EQ(probe.counters().probes.load(), 1u);
  EXPECT_EQ(probe.counters().valid.load(), 1u);
  expect_only_probes(sink);
}

TEST(RecipientProbe, NoSuchUserIsUnknown) {
  BehaviourSink sink;  // reject... → 550 5.1.1
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(sink.port())});
  EXPECT_EQ(probe.check(domain, "reject.bob@example.net"), RecipientStatus::unknown);
  EXPECT_EQ(probe.counters().unknown.load(), 1u);
  expect_only_probes(sink);
}

TEST(RecipientProbe, RefusalsThatAreNotAboutTheAddressAreUnavailable) {
  BehaviourSinkOptions options;
  options.replies = {{"relay", "554 5.7.1 <relay@example.net>: Relay access denied"},
                     {"auth", "530 5.7.0 Authentication required"},
                     {"plain", "550 no such user here"},
                     {"moved", "551 User not local"}};
  BehaviourSink sink(options);
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(sink.port())});
  EXPECT_EQ(probe.check(domain, "relay@example.net"), RecipientStatus::unavailable);
  EXPECT_EQ(probe.check(domain, "auth@example.net"), RecipientStatus::unavailable);
  // Without an enhanced code, 550 and 551 speak of the address.
  EXPECT_EQ(probe.check(domain, "plain@example.net"), RecipientStatus::unknown);
  EXPECT_EQ(probe.check(domain, "moved@example.net"), RecipientStatus::unknown);
}

TEST(RecipientProbe, ABackendsTemporaryFailureIsUnavailableAndNotCached) {
  BehaviourSink sink;  // tempfail... → 451 4.3.0
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(sink.port())});
  EXPECT_EQ(probe.check(domain, "tempfail@example.net"), RecipientStatus::unavailable);
  EXPECT_EQ(probe.check(domain, "tempfail@example.net"), RecipientStatus::unavailable);
  EXPECT_EQ(rcpts(sink).size(), 2u);
  EXPECT_EQ(probe.cache_size(), 0u);
  EXPECT_EQ(probe.counters().unavailable.load(), 2u);
}

TEST(RecipientProbe, ABackendThatIsDownIsUnavailable) {
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(relay::test::free_tcp_port())});
  EXPECT_EQ(probe.check(domain, "accept@example.net"), RecipientStatus::unavailable);
  EXPECT_EQ(probe.cache_size(), 0u);
}

TEST(RecipientProbe, TheNextPriorityIsAskedWhenTheFirstIsDown) {
  BehaviourSink second;
  RecipientProbe probe(options_with());
  // Listed second but with the lower priority number: the closed port is asked first.
  auto domain = domain_with({backend_at(second.port(), 5), backend_at(relay::test::free_tcp_port(), 1)});
  EXPECT_EQ(probe.check(domain, "accept@example.net"), RecipientStatus::valid);
  EXPECT_EQ(rcpts(second), std::vector<std::string>{"accept@example.net"});
}

TEST(RecipientProbe, ABackendThatGaveNoAnswerIsAskedLastForAWhile) {
  ManualClock clock;
  auto options = options_with();
  options.clock = clock.function();
  options.down_for = std::chrono::seconds(30);
  RecipientProbe probe(options);
  auto secondary = std::make_unique<BehaviourSink>();
  const unsigned short primary_port = relay::test::free_tcp_port();
  auto domain = domain_with({backend_at(primary_port, 1), backend_at(secondary->port(), 2)});
  EXPECT_EQ(probe.check(domain, "accept.a@example.net"), RecipientStatus::valid);  // the primary refused
  BehaviourSink primary(BehaviourSinkOptions{}, primary_port);                     // and is back
  EXPECT_EQ(probe.check(domain, "accept.b@example.net"), RecipientStatus::valid);
  EXPECT_TRUE(primary.events("mail").empty());
  EXPECT_EQ(rcpts(*secondary).size(), 2u);
  secondary.reset();  // with the others down, a backend marked down is still asked
  EXPECT_EQ(probe.check(domain, "accept.c@example.net"), RecipientStatus::valid);
  EXPECT_EQ(rcpts(primary), std::vector<std::string>{"accept.c@example.net"});
  secondary = std::make_unique<BehaviourSink>();
  domain = domain_with({backend_at(primary_port, 1), backend_at(secondary->port(), 2)});
  EXPECT_EQ(probe.check(domain, "accept.d@example.net"), RecipientStatus::valid);  // it answered: first again
  EXPECT_EQ(rcpts(primary).size(), 2u);
  EXPECT_TRUE(secondary->events("mail").empty());
}

TEST(RecipientProbe, ABackendGivenByNameIsResolvedAndOneThatDoesNotResolveIsSkipped) {
  BehaviourSink sink;
  auto options = options_with();
  std::vector<std::string> asked;
  options.resolve = [&asked](const std::string& host) -> std::vector<asio::ip::address> {
    asked.push_back(host);
    if (host == "broken.customer.test") throw std::runtime_error("resolver failure");
    if (host == "mx.customer.test") return {asio::ip::make_address("127.0.0.1")};
    return {};
  };
  RecipientProbe probe(options);
  config::InboundBackend broken, missing, named;
  broken.address = dns::HostPort{"broken.customer.test", sink.port()};
  missing.address = dns::HostPort{"missing.customer.test", sink.port()};
  named.address = dns::HostPort{"mx.customer.test", sink.port()};
  auto domain = domain_with({broken, missing, named});
  EXPECT_EQ(probe.check(domain, "accept@example.net"), RecipientStatus::valid);
  EXPECT_EQ(asked,
            (std::vector<std::string>{"broken.customer.test", "missing.customer.test", "mx.customer.test"}));
  EXPECT_EQ(rcpts(sink).size(), 1u);
}

TEST(RecipientProbe, TheLowestPriorityIsAskedFirst) {
  BehaviourSink first, second;
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(second.port(), 2), backend_at(first.port(), 1)});
  EXPECT_EQ(probe.check(domain, "reject@example.net"), RecipientStatus::unknown);
  EXPECT_EQ(rcpts(first).size(), 1u);
  EXPECT_TRUE(second.events("mail").empty());  // an answer from the first is final
}

TEST(RecipientProbe, ASecondCheckIsAnsweredFromTheCacheWhateverTheCase) {
  BehaviourSink sink;
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(sink.port())});
  EXPECT_EQ(probe.check(domain, "accept.carol@example.net"), RecipientStatus::valid);
  EXPECT_EQ(probe.check(domain, "Accept.Carol@EXAMPLE.net"), RecipientStatus::valid);
  EXPECT_EQ(probe.check(domain, "reject.dave@example.net"), RecipientStatus::unknown);
  EXPECT_EQ(probe.check(domain, "reject.dave@example.net"), RecipientStatus::unknown);
  EXPECT_EQ(rcpts(sink).size(), 2u);  // one per address
  EXPECT_EQ(probe.counters().probes.load(), 2u);
  EXPECT_EQ(probe.counters().cache_hits.load(), 2u);
  probe.clear_cache();
  EXPECT_EQ(probe.check(domain, "accept.carol@example.net"), RecipientStatus::valid);
  EXPECT_EQ(rcpts(sink).size(), 3u);
}

TEST(RecipientProbe, AnUnknownAddressIsAskedAgainAfterTheNegativeTtl) {
  BehaviourSink sink;
  ManualClock clock;
  auto options = options_with();
  options.clock = clock.function();
  RecipientProbe probe(options);
  auto domain = domain_with({backend_at(sink.port())});  // negative TTL 60 s, positive 600 s
  EXPECT_EQ(probe.check(domain, "reject@example.net"), RecipientStatus::unknown);
  EXPECT_EQ(probe.check(domain, "accept@example.net"), RecipientStatus::valid);
  *clock.now += 59;
  EXPECT_EQ(probe.check(domain, "reject@example.net"), RecipientStatus::unknown);
  EXPECT_EQ(rcpts(sink).size(), 2u);
  *clock.now += 1;
  EXPECT_EQ(probe.check(domain, "reject@example.net"), RecipientStatus::unknown);
  EXPECT_EQ(probe.check(domain, "accept@example.net"), RecipientStatus::valid);  // still believed
  EXPECT_EQ(rcpts(sink),
            (std::vector<std::string>{"reject@example.net", "accept@example.net", "reject@example.net"}));
  *clock.now += 540;
  EXPECT_EQ(probe.check(domain, "accept@example.net"), RecipientStatus::valid);
  EXPECT_EQ(rcpts(sink).size(), 4u);
}

TEST(RecipientProbe, TheCacheIsBoundedAndDropsTheLeastRecentlyUsed) {
  BehaviourSink sink;
  auto options = options_with();
  options.max_cache_entries = 2;
  RecipientProbe probe(options);
  auto domain = domain_with({backend_at(sink.port())});
  for (const char* address :
       {"accept.a@example.net", "accept.b@example.net", "accept.a@example.net", "accept.c@example.net"})
    EXPECT_EQ(probe.check(domain, address), RecipientStatus::valid);
  EXPECT_EQ(probe.cache_size(), 2u);
  EXPECT_EQ(rcpts(sink).size(), 3u);
  EXPECT_EQ(probe.check(domain, "accept.a@example.net"), RecipientStatus::valid);  // kept: used recently
  EXPECT_EQ(rcpts(sink).size(), 3u);
  EXPECT_EQ(probe.check(domain, "accept.b@example.net"), RecipientStatus::valid);  // dropped for c
  EXPECT_EQ(rcpts(sink).size(), 4u);
}

TEST(RecipientProbe, ConcurrentChecksOfOneAddressShareOneProbe) {
  BehaviourSinkOptions sink_options;
  sink_options.slow_seconds = 1.0;  // slow... → 250 after a second: the others arrive while it is pending
  BehaviourSink sink(sink_options);
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(sink.port())});
  constexpr int kThreads = 8;
  std::vector<RecipientStatus> results(kThreads, RecipientStatus::unavailable);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&, i] { results[i] = probe.check(domain, "slow.erin@example.net"); });
  for (auto& thread : threads)
    thread.join();
  for (auto result : results)
    EXPECT_EQ(result, RecipientStatus::valid);
  EXPECT_EQ(rcpts(sink).size(), 1u);
  EXPECT_EQ(probe.counters().probes.load(), 1u);
  EXPECT_EQ(probe.counters().coalesced.load() + probe.counters().cache_hits.load(), unsigned(kThreads - 1));
}

TEST(RecipientProbe, RequiredTlsWithABackendWithoutStarttlsIsUnavailable) {
  BehaviourSink sink;  // no STARTTLS
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(sink.port())});
  domain.backend_tls = config::BackendTls::required;
  EXPECT_EQ(probe.check(domain, "accept@example.net"), RecipientStatus::unavailable);
  EXPECT_TRUE(sink.events("mail").empty());  // nothing asked in plaintext
}

TEST(RecipientProbe, StarttlsIsUsedWhenOffered) {
  BehaviourSinkOptions sink_options;
  sink_options.tls = true;
  sink_options.require_tls = true;  // MAIL before STARTTLS would get 530
  BehaviourSink sink(sink_options);
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(sink.port())});
  EXPECT_EQ(probe.check(domain, "accept@example.net"), RecipientStatus::valid);
  domain.backend_tls = config::BackendTls::required;
  EXPECT_EQ(probe.check(domain, "reject@example.net"), RecipientStatus::unknown);
  EXPECT_EQ(sink.events("tls").size(), 2u);
}

TEST(RecipientProbe, ASlowBackendIsUnavailableAfterTheTimeout) {
  BehaviourSinkOptions sink_options;
  sink_options.slow_seconds = 30;
  BehaviourSink sink(sink_options);
  RecipientProbe probe(options_with(std::chrono::seconds(1)));
  auto domain = domain_with({backend_at(sink.port())});
  EXPECT_EQ(probe.check(domain, "slow@example.net"), RecipientStatus::unavailable);
  EXPECT_EQ(rcpts(sink).size(), 1u);  // it was asked, and did not answer in time
  EXPECT_EQ(probe.cache_size(), 0u);
}

TEST(RecipientProbe, ABackendRefusingTheNullSenderGivesUnavailable) {
  BehaviourSinkOptions sink_options;
  sink_options.mail_reply = "550 5.7.1 null sender refused";
  BehaviourSink sink(sink_options);
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(sink.port())});
  EXPECT_EQ(probe.check(domain, "accept@example.net"), RecipientStatus::unavailable);
  EXPECT_TRUE(sink.events("rcpt").empty());
}

TEST(RecipientProbe, AnAddressAtAnotherDomainIsNeverProbed) {
  BehaviourSink sink;
  RecipientProbe probe(options_with());
  auto domain = domain_with({backend_at(sink.port())});
  for (const char* address : {"accept@example.org", "accept@example.net.evil.test", "accept%evil.test@",
                              "accept\r\nDATA@example.net", "accept"})
    EXPECT_EQ(probe.check(domain, address), RecipientStatus::unavailable) << address;
  EXPECT_TRUE(sink.events("mail").empty());
  // The domain is matched case-insensitively, with or without the root's dot, and asked about as configured.
  EXPECT_EQ(probe.check(domain, "accept@EXAMPLE.NET."), RecipientStatus::valid);
  EXPECT_EQ(rcpts(sink), std::vector<std::string>{"accept@example.net"});
}

}  // namespace
}  // namespace mta::inbound
