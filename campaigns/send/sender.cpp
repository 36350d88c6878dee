#include "campaigns/send/sender.hpp"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <thread>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "campaigns/suppression/memory_suppression_store.hpp"
#include "campaigns/message/message_builder.hpp"
#include "campaigns/campaign/recipients.hpp"

namespace campaigns::send {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::int64_t kReportedSkips = 20;

class StoreLog final : public InjectionLog {
 public:
  StoreLog(CampaignStore& store, std::string id, std::string csv, Progress& progress)
      : store_(store), id_(std::move(id)), csv_(std::move(csv)), progress_(progress) {}
  void injected(const Job& job, std::string_view queue_id) override {
    store_.mark_injected(id_, job.line, queue_id);
    ++counts.injected;
  }
  void refused(const Job& job, std::string_view reply) override {
    store_.mark_refused(id_, job.line, reply);
    ++counts.refused;
  }
  void unrenderable(const Job& job) override {
    store_.mark_skipped(id_, job.line, job.skip_reason, job.message.problem);
    if (counts.skipped++ < kReportedSkips)
      progress_.note(csv_ + ":" + std::to_string(job.line) + ": skipped: " + job.skip_reason + ": " +
                     job.message.problem);
  }
  void waiting(std::string_view why) override { progress_.waiting(why); }
  void note(std::string_view what) override { progress_.note(what); }
  ProgressCounts counts;

 private:
  CampaignStore& store_;
  std::string id_, csv_;
  Progress& progress_;
};

struct RenderOutcome {
  std::int64_t rendered = 0;
  double seconds = 0;
  std::string error;
};

// The render thread: builds the pending rows' messages in CSV order and queues them.
void render(const SendRequest& request, JobQueue& jobs, RenderOutcome& outcome) {
  std::ifstream csv(request.campaign.recipients, std::ios::binary);
  if (!csv) {
    outcome.error = "cannot read " + request.campaign.recipients.string() + " again";
    return;
  }
  MemorySuppressionStore none;  // suppression was applied when the rows were recorded
  RecipientReader reader(csv, none);
  MessageBuilder builder(request.campaign, request.secret, reader.columns());
  RecipientRow row;
  Job job;
  while (reader.next(row)) {
    if (row.line >= request.pending.size() || !request.pending[row.line]) continue;
    job = Job{};
    job.line = static_cast<std::int64_t>(row.line);
    if (row.skip) {
      job.message.problem = row.problem;
      job.skip_reason = std::string(skip_reason_name(*row.skip));
    } else {
      auto started = Clock::now();
      job.message = builder.build(row);
      outcome.seconds += std::chrono::duration<double>(Clock::now() - started).count();
      ++outcome.rendered;
      job.eight_bit = std::any_of(job.message.message.begin(), job.message.message.end(),
                                  [](char c) { return static_cast<unsigned char>(c) > 127; });
    }
    if (!jobs.push(std::move(job))) return;
  }
  if (csv.bad()) outcome.error = "reading " + request.campaign.recipients.string() + " failed part-way";
}

asio::awaitable<void> show_progress(asio::steady_timer& timer, Progress& progress, const StoreLog& log,
                                    const bool& done) {
  std::error_code ec;
  while (!done) {
    timer.expires_after(progress.tick());
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!done) progress.update(log.counts, Clock::now());
  }
}

}  // namespace

SendReport run_send(SendRequest& request, CampaignStore& store) {
  SendReport report;
  auto started = Clock::now();
  asio::io_context io;
  JobQueue jobs(io, 64 + 16 * std::max(1u, request.injector.connections));
  Progress progress(request.progress_out, request.terminal, request.pending_count, started);
  StoreLog log(store, request.campaign.id.str(), request.campaign.recipients.string(), progress);
  Injector injector(io, request.injector, jobs, log);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::steady_timer progress_timer(io);
  bool done = false;

  signals.async_wait([&](std::error_code ec, int) {
    if (ec) return;
    report.interrupted = true;
    progress.waiting("interrupted: finishing the transactions in flight");
    injector.stop();
  });
  RenderOutcome rendered;
  std::thread renderer([&] {
    try {
      render(request, jobs, rendered);
    } catch (const std::exception& e) {
      rendered.error = e.what();
    }
    jobs.finish();
  });
  injector.start([&](InjectorEnd end) {
    report.end = end;
    done = true;
    signals.cancel();
    progress_timer.cancel();
    jobs.abort();  // releases the renderer if it is still waiting for room
  });
  asio::co_spawn(io, show_progress(progress_timer, progress, log, done), asio::detached);
  std::string failure;
  try {
    io.run();
  } catch (const std::exception& e) {
    failure = e.what();
    jobs.abort();
  }
  renderer.join();
  report.counts = log.counts;
  report.reason = injector.reason();
  report.rendered = rendered.rendered;
  report.render_seconds = rendered.seconds;
  if (!failure.empty()) {
    report.end = InjectorEnd::gave_up;
    report.reason = failure;
  }
  if (!rendered.error.empty() && report.end == InjectorEnd::finished) {
    report.end = InjectorEnd::gave_up;
    report.reason = rendered.error;
  }
  report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  progress.finish(log.counts, Clock::now());
  return report;
}

}  // namespace campaigns::send
