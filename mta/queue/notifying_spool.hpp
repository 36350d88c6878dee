// notifying_spool.hpp — a Spool that tells the delivery engine about new work: every change that can make
// a message deliverable (a message stored, released from hold, a recipient made due by `queue flush`)
// calls the notify function with its id once the change is durable. The SMTP server and the control
// socket use this; the engine itself uses the plain spool underneath. Everything else is forwarded as is.
#pragma once

#include <functional>

#include "mta/spool/spool.hpp"

namespace mta::queue {

class NotifyingSpool final : public spool::Spool {
 public:
  using Notify = std::function<void(spool::QueueId)>;
  NotifyingSpool(spool::Spool& inner, Notify notify) : inner_(inner), notify_(std::move(notify)) {}

  void store(spool::Envelope envelope, std::string body, spool::StoreDone done) override;
  void update_recipient(spool::QueueId id, std::uint32_t index, spool::RecipientState state,
                        spool::Done done) override;
  void set_held(spool::QueueId id, bool held, spool::Done done) override;
  void remove(spool::QueueId id, spool::Done done) override { inner_.remove(id, std::move(done)); }
  void set_delay_warned(spool::QueueId id, spool::Done done) override {
    inner_.set_delay_warned(id, std::move(done));
  }

  void walk(const std::function<bool(const spool::MessageSummary&)>& visit) const override {
    inner_.walk(visit);
  }
  std::error_code load(spool::QueueId id, spool::StoredMessage& out) const override {
    return inner_.load(id, out);
  }
  std::error_code load_envelope(spool::QueueId id, spool::Envelope& out) const override {
    return inner_.load_envelope(id, out);
  }
  spool::SpoolStats stats() const override { return inner_.stats(); }

 private:
  spool::Spool& inner_;
  Notify notify_;
};

}  // namespace mta::queue
