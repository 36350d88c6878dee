// The delivery engine when the spool cannot record outcomes (a full disk): a delivered message is never
// sent again by the process, delivery pauses instead of retrying at once, the state is visible in the
// engine's stats, and once the spool takes writes again the kept outcomes are recorded and the delivered
// messages leave the queue — each received exactly once.
#include <atomic>
#include <set>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "mta/queue/engine.hpp"
#include "mta/spool/forwarding_spool.hpp"
#include "mta/spool/segment_spool.hpp"
#include "tests/support/behaviour_sink.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace mta::queue {
namespace {

using namespace std::chrono_literals;

// A spool whose recipient updates and removals fail with ENOSPC while failing is set.
class FullDiskSpool final : public spool::ForwardingSpool {
 public:
  using ForwardingSpool::ForwardingSpool;
  std::atomic<bool> failing{false};
  std::atomic<int> refused{0};

  void update_recipient(spool::QueueId id, std::uint32_t index, spool::RecipientState state,
                        spool::Done done) override {
    if (refuse(done)) return;
    inner_.update_recipient(id, index, std::move(state), std::move(done));
  }
  void remove(spool::QueueId id, spool::Done done) override {
    if (refuse(done)) return;
    inner_.remove(id, std::move(done));
  }

 private:
  bool refuse(const spool::Done& done) {
    if (!failing) return false;
    ++refused;
    done(std::make_error_code(std::errc::no_space_on_device));
    return true;
  }
};

TEST(EngineSpoolFailure, DeliveredButUnrecordedIsNeverSentAgainAndDeliveryPauses) {
  relay::test::TempDir dir;
  relay::test::BehaviourSink sink;
  std::error_code ec;
  auto disk = spool::SegmentSpool::open({dir.path() / "spool"}, ec);
  ASSERT_FALSE(ec) << ec.message();
  FullDiskSpool spool(*disk);
  for (int i = 0; i < 3; ++i) {
    spool::Envelope e;
    e.sender = "sender@example.com";
    e.recipients.push_back({"accept" + std::to_string(i) + "@example.org", {}, 0, ""});
    e.received_at =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    e.listener = "relay";
    spool::QueueId id;
    ASSERT_FALSE(disk->store_wait(e, "Subject: full disk\r\n\r\nHello.\r\n", id));
  }
  spool.failing = true;

  config::Route route;
  route.domain = "*";
  route.next_hop = {"127.0.0.1", sink.port()};
  std::vector<config::Route> routes{route};
  StaticRouter router(routes, nullptr, nullptr);
  asio::io_context io;
  EngineOptions options;
  options.retry = {.initial = 1s, .max = 1s, .lifetime = 60s};
  DeliveryEngine engine(io.get_executor(), spool, router, options);
  asio::co_spawn(io, engine.run(), asio::detached);
  std::thread runner([&] { io.run(); });

  // The first outcome that cannot be written pauses delivery: the transactions already under way finish,
  // no new one starts, and nothing delivered is sent again while the writes are retried.
  EXPECT_TRUE(relay::test::eventually([&] { return engine.stats().spool_paused; }));
  EXPECT_TRUE(relay::test::eventually([&] { return !sink.messages().empty(); }));
  std::this_thread::sleep_for(2500ms);  // pauses of 1 and 2 s, each ending in a failed write
  auto delivered = sink.messages().size();
  auto stats = engine.stats();
  EXPECT_EQ(stats.delivered, delivered) << "a delivered message was sent again";
  EXPECT_EQ(stats.unrecorded_recipients, delivered);
  EXPECT_GE(stats.spool_write_failures, delivered);
  EXPECT_TRUE(stats.spool_paused);
  EXPECT_LT(spool.refused.load(), 30) << "writes retried at a pace, not in a loop";
  EXPECT_EQ(disk->stats().messages, 3u);

  spool.failing = false;
  EXPECT_TRUE(relay::test::eventually([&] { return disk->stats().messages == 0; }, 30s))
      << "the kept outcomes were not recorded once the spool took writes again";
  EXPECT_FALSE(engine.stats().spool_paused);
  EXPECT_EQ(engine.stats().unrecorded_recipients, 0u);
  std::set<std::string> recipients;
  for (const auto& m : sink.messages())
    recipients.insert(m.recipients.begin(), m.recipients.end());
  EXPECT_EQ(sink.messages().size(), 3u) << "each message exactly once";
  EXPECT_EQ(recipients.size(), 3u);
  engine.stop();
  runner.join();
}

}  // namespace
}  // namespace mta::queue
