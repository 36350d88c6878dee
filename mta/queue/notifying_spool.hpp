// notifying_spool.hpp — a Spool that tells the delivery engine about new work: every change that can make
// a message deliverable (a message stored, released from hold, a recipient made due by `queue flush`)
// calls the notify function with its id once the change is durable. The SMTP server and the control
// socket use this; the engine itself uses the plain spool underneath. Everything else is forwarded as is.
#pragma once

#include <functional>

#include "mta/spool/forwarding_spool.hpp"

namespace mta::queue {

class NotifyingSpool final : public spool::ForwardingSpool {
 public:
  using Notify = std::function<void(spool::QueueId)>;
  NotifyingSpool(spool::Spool& inner, Notify notify) : ForwardingSpool(inner), notify_(std::move(notify)) {}

  void store(spool::Envelope envelope, std::string body, spool::StoreDone done) override;
  void update_recipient(spool::QueueId id, std::uint32_t index, spool::RecipientState state,
                        spool::Done done) override;
  void set_held(spool::QueueId id, bool held, spool::Done done) override;

 private:
  Notify notify_;
};

}  // namespace mta::queue
