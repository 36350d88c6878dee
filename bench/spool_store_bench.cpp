// spool_store_bench — the spool designs compared, 4 KB messages, durable (fsync) unless named otherwise:
//   FilePerMessage: write a file, fsync it, rename it into place, fsync the directory (Postfix-style).
//   SegmentSpool:   the append-only segment log with group commit (what mta::SegmentSpool does).
//   SegmentSpoolNoSync: the same without fsync, the ceiling the disk's sync cost sits below.
// Run with 1 and 20 threads (20 concurrent SMTP sessions). MemoryMillion stores 1,000,000 single-recipient
// messages and reports the resident set size of the in-memory queue before and after recovery.
// Results: docs/architecture.md ("The spool").
#include <atomic>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <malloc.h>
#include <memory>
#include <string>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include "mta/spool/segment_spool.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mta::spool;

const std::string kBody(4096, 'x');
fs::path g_dir;
std::unique_ptr<SegmentSpool> g_spool;
std::atomic<std::uint64_t> g_counter{0};

fs::path fresh_dir() {
  auto dir = fs::temp_directory_path() / ("relay-spool-bench-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

Envelope envelope() {
  Envelope e;
  e.sender = "sender@example.com";
  e.recipients.push_back({"rcpt@example.net", {}, 0, ""});
  e.listener = "relay";
  e.client_address = "127.0.0.1";
  return e;
}

void setup_files(const benchmark::State&) {
  g_dir = fresh_dir();
  fs::create_directories(g_dir / "tmp");
  fs::create_directories(g_dir / "queue");
}
void teardown(const benchmark::State&) {
  g_spool.reset();
  fs::remove_all(g_dir);
}

void FilePerMessage(benchmark::State& state) {
  int dir_fd = ::open((g_dir / "queue").c_str(), O_RDONLY | O_DIRECTORY);
  for (auto _ : state) {
    auto name = std::to_string(g_counter.fetch_add(1));
    auto tmp = g_dir / "tmp" / name;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || ::write(fd, kBody.data(), kBody.size()) != static_cast<ssize_t>(kBody.size()) ||
        ::fsync(fd) != 0) {
      state.SkipWithError("write failed");
      break;
    }
    ::close(fd);
    fs::rename(tmp, g_dir / "queue" / name);
    ::fsync(dir_fd);
  }
  ::close(dir_fd);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(FilePerMessage)
    ->Setup(setup_files)
    ->Teardown(teardown)
    ->Threads(1)
    ->Threads(20)
    ->UseRealTime()
    ->MinTime(2.0);

template <bool Sync>
void setup_spool(const benchmark::State&) {
  g_dir = fresh_dir();
  std::error_code ec;
  g_spool = SegmentSpool::open({g_dir, 64ull << 20, Sync, std::chrono::milliseconds(0)}, ec);
}

template <bool Sync>
void SegmentLog(benchmark::State& state) {
  for (auto _ : state) {
    QueueId id;
    if (g_spool->store_wait(envelope(), kBody, id)) {
      state.SkipWithError("store failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    auto stats = g_spool->stats();
    state.counters["msgs_per_fsync"] =
        stats.commits ? static_cast<double>(stats.records) / static_cast<double>(stats.commits) : 0.0;
  }
}
void SegmentSpool_(benchmark::State& state) {
  SegmentLog<true>(state);
}
void SegmentSpoolNoSync(benchmark::State& state) {
  SegmentLog<false>(state);
}
BENCHMARK(SegmentSpool_)
    ->Name("SegmentSpool")
    ->Setup(setup_spool<true>)
    ->Teardown(teardown)
    ->Threads(1)
    ->Threads(20)
    ->UseRealTime()
    ->MinTime(2.0);
BENCHMARK(SegmentSpoolNoSync)
    ->Setup(setup_spool<false>)
    ->Teardown(teardown)
    ->Threads(1)
    ->Threads(20)
    ->UseRealTime()
    ->MinTime(1.0);

double rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

void MemoryMillion(benchmark::State& state) {
  constexpr int kMessages = 1'000'000;
  for (auto _ : state) {
    auto dir = fresh_dir();
    double before = rss_mb();
    {
      std::error_code ec;
      auto spool = SegmentSpool::open({dir, 64ull << 20, false, std::chrono::milliseconds(0)}, ec);
      std::string body(256, 'x');
      for (int i = 0; i < kMessages; ++i) {
        auto e = envelope();
        e.recipients[0].address = "rcpt" + std::to_string(i) + "@example.net";
        spool->store(std::move(e), body, [](std::error_code, QueueId) {});
      }
      state.counters["rss_mb_stored"] = rss_mb() - before;
    }
    ::malloc_trim(0);
    double base = rss_mb();
    {
      std::error_code ec;
      auto spool = SegmentSpool::open({dir, 64ull << 20, false, std::chrono::milliseconds(0)}, ec);
      state.counters["messages"] = static_cast<double>(spool->stats().messages);
      state.counters["rss_mb_recovered"] = rss_mb() - base;
      state.counters["rss_mb_process"] = rss_mb();
    }
    fs::remove_all(dir);
  }
}
BENCHMARK(MemoryMillion)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
