// async_bridge.hpp — awaiting work that completes on another thread (the spool's commit thread, the
// pool for blocking work such as scrypt or spool reads) from a coroutine: the result is posted back to
// the awaiting coroutine's executor, so session state is only touched on its own strand. Handlers are
// invoked as rvalues, so a copy destroyed later on another thread is an empty shell.
#pragma once

#include <memory>
#include <utility>

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include "mta/spool/spool.hpp"

namespace mta::server {

struct StoreResult {
  std::error_code error;
  spool::QueueId id;
};

// GCC 12 mis-handles non-trivial temporaries inside co_await expressions (it may destroy them twice), so
// these take their inputs by reference to the caller's named locals and copy or move them here.

// Stores a message in the spool (moving envelope and body out); resumes once it is durable (or failed).
inline auto async_store(spool::Spool& spool, spool::Envelope& envelope, std::string& body) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(StoreResult)>(
      [&spool](auto handler, spool::Envelope e, std::string b) {
        auto executor = asio::get_associated_executor(handler);
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        spool.store(std::move(e), std::move(b), [shared, executor](std::error_code ec, spool::QueueId id) {
          asio::post(executor, [shared, ec, id]() mutable { std::move (*shared)(StoreResult{ec, id}); });
        });
      },
      asio::use_awaitable, std::move(envelope), std::move(body));
}

// Runs fn() on pool and resumes with its result.
template <typename Result, typename Pool, typename Fn>
auto async_run(Pool& pool, const Fn& fn) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(Result)>(
      [&pool](auto handler, Fn f) {
        auto executor = asio::get_associated_executor(handler);
        asio::post(pool, [handler = std::move(handler), executor, f = std::move(f)]() mutable {
          Result result = f();
          asio::post(executor, [handler = std::move(handler), result = std::move(result)]() mutable {
            std::move(handler)(std::move(result));
          });
        });
      },
      asio::use_awaitable, fn);
}

}  // namespace mta::server
