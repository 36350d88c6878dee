#include "mta/queue/notifying_spool.hpp"

namespace mta::queue {

void NotifyingSpool::store(spool::Envelope envelope, std::string body, spool::StoreDone done) {
  inner_.store(std::move(envelope), std::move(body),
               [this, done = std::move(done)](std::error_code ec, spool::QueueId id) {
                 if (!ec) notify_(id);
                 done(ec, id);
               });
}

void NotifyingSpool::update_recipient(spool::QueueId id, std::uint32_t index, spool::RecipientState state,
                                      spool::Done done) {
  bool due_now = state.status == spool::RecipientStatus::pending;
  inner_.update_recipient(
      id, index, std::move(state), [this, id, due_now, done = std::move(done)](std::error_code ec) {
        if (!ec && due_now)
          notify_(id);  // the engine looks at the times itself; a spare wake-up costs nothing
        done(ec);
      });
}

void NotifyingSpool::set_held(spool::QueueId id, bool held, spool::Done done) {
  inner_.set_held(id, held, [this, id, held, done = std::move(done)](std::error_code ec) {
    if (!ec && !held) notify_(id);
    done(ec);
  });
}

}  // namespace mta::queue
