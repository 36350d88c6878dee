#include "campaigns/send/job_queue.hpp"

#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

namespace campaigns::send {

JobQueue::JobQueue(asio::io_context& io, std::size_t capacity)
    : io_(io), ready_(io, asio::steady_timer::time_point::max()), capacity_(capacity) {}

void JobQueue::wake() {
  asio::post(io_, [this] { ready_.cancel(); });
}

bool JobQueue::push(Job job) {
  {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [this] { return aborted_ || jobs_.size() < capacity_; });
    if (aborted_) return false;
    jobs_.push_back(std::move(job));
  }
  wake();
  return true;
}

void JobQueue::finish() {
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  wake();
}

void JobQueue::abort() {
  {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    jobs_.clear();
  }
  not_full_.notify_all();
  wake();
}

void JobQueue::put_back(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (aborted_) return;
    jobs_.push_front(std::move(job));
  }
  wake();
}

void JobQueue::requeue(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (aborted_) return;
    jobs_.push_back(std::move(job));
  }
  wake();
}

asio::awaitable<std::optional<Job>> JobQueue::pop() {
  std::optional<Job> job;
  std::error_code ec;
  bool ended = false;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (aborted_) {
        ended = true;
      } else if (!jobs_.empty()) {
        job = std::move(jobs_.front());
        jobs_.pop_front();
      } else if (finished_) {
        ended = true;
      }
    }
    if (job) {
      not_full_.notify_one();
      co_return job;
    }
    if (ended) co_return std::nullopt;
    co_await ready_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace campaigns::send
