#include "mta/spool/spool.hpp"

#include <future>

namespace mta::spool {
namespace {

std::error_code wait(const std::function<void(Done)>& start) {
  auto promise = std::make_shared<std::promise<std::error_code>>();
  auto future = promise->get_future();
  start([promise](std::error_code ec) { promise->set_value(ec); });
  return future.get();
}

}  // namespace

std::error_code Spool::store_wait(Envelope envelope, std::string body, QueueId& id) {
  auto promise = std::make_shared<std::promise<std::pair<std::error_code, QueueId>>>();
  auto future = promise->get_future();
  store(std::move(envelope), std::move(body), [promise](std::error_code ec, QueueId stored) {
    promise->set_value({ec, stored});
  });
  auto [ec, stored] = future.get();
  id = stored;
  return ec;
}

std::error_code Spool::update_recipient_wait(QueueId id, std::uint32_t index, RecipientState state) {
  return wait([&](Done done) { update_recipient(id, index, std::move(state), std::move(done)); });
}

std::error_code Spool::set_held_wait(QueueId id, bool held) {
  return wait([&](Done done) { set_held(id, held, std::move(done)); });
}

std::error_code Spool::remove_wait(QueueId id) {
  return wait([&](Done done) { remove(id, std::move(done)); });
}

std::error_code Spool::set_delay_warned_wait(QueueId id) {
  return wait([&](Done done) { set_delay_warned(id, std::move(done)); });
}

}  // namespace mta::spool
