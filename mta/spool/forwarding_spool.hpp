// forwarding_spool.hpp — the base of Spool decorators: every operation goes to the inner spool as it is,
// so a decorator (notifying, signing, a test's failing spool) overrides only what it changes.
// Errors, durability and thread safety: the inner spool's. Untrusted input: none of its own.
#pragma once

#include <utility>

#include "mta/spool/spool.hpp"

namespace mta::spool {

class ForwardingSpool : public Spool {
 public:
  explicit ForwardingSpool(Spool& inner) : inner_(inner) {}

  void store(Envelope envelope, std::string body, StoreDone done) override {
    inner_.store(std::move(envelope), std::move(body), std::move(done));
  }
  void update_recipient(QueueId id, std::uint32_t index, RecipientState state, Done done) override {
    inner_.update_recipient(id, index, std::move(state), std::move(done));
  }
  void set_held(QueueId id, bool held, Done done) override { inner_.set_held(id, held, std::move(done)); }
  void remove(QueueId id, Done done) override { inner_.remove(id, std::move(done)); }
  void set_delay_warned(QueueId id, Done done) override { inner_.set_delay_warned(id, std::move(done)); }
  void walk(const std::function<bool(const MessageSummary&)>& visit) const override { inner_.walk(visit); }
  std::error_code load(QueueId id, StoredMessage& out) const override { return inner_.load(id, out); }
  std::error_code load_envelope(QueueId id, Envelope& out) const override {
    return inner_.load_envelope(id, out);
  }
  SpoolStats stats() const override { return inner_.stats(); }

 protected:
  Spool& inner_;
};

}  // namespace mta::spool
