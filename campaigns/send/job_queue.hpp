// job_queue.hpp — rendered messages handed from the render thread to the sending connections on the
// io_context's thread: a bounded queue (the renderer blocks while it is full, so memory stays flat) whose
// consumers are coroutines that wait without blocking the thread. Errors: none; abort() (Ctrl-C, giving up)
// releases a blocked renderer and ends every pop. Untrusted input: none.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "campaigns/message/message_builder.hpp"

namespace campaigns::send {

// One recipient's work: a message to inject, or (problem set) a row that could not be rendered.
struct Job {
  std::int64_t line = 0;
  RenderedMessage message;
  bool eight_bit = false;                     // the message has octets above 127 (BODY=8BITMIME)
  std::string skip_reason = "missing_field";  // with problem: the stored reason name
};

class JobQueue {
 public:
  JobQueue(asio::io_context& io, std::size_t capacity);
  // Render thread: blocks while full; false once aborted (the job is dropped).
  bool push(Job job);
  void finish();  // render thread: no more jobs
  // io thread: the next job; nothing once finished and drained, or aborted.
  asio::awaitable<std::optional<Job>> pop();
  void abort();            // any thread
  void put_back(Job job);  // io thread: a job taken but not sent, first in line again (never blocks)
  void requeue(Job job);   // io thread: a job to try again after the others (never blocks)

 private:
  void wake();

  asio::io_context& io_;
  asio::steady_timer ready_;  // never expires; cancelled to wake the waiting pops
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_;
  std::deque<Job> jobs_;
  bool finished_ = false, aborted_ = false;
};

}  // namespace campaigns::send
