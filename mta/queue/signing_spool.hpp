// signing_spool.hpp — a Spool that DKIM-signs every message stored through it, on a worker pool, before
// storing it: the delivery engine stores its DSNs through one, so that bounces leave signed like the mail
// accepted by the SMTP server (whose sessions sign before they store). The signer is asked for each message
// (it can change on SIGHUP); no signer, no signing rule for the From domain, or a message the signer
// refuses: the message is stored as it is (a DSN must never be lost for want of a signature). Everything
// else is forwarded as is. Thread safety: as the inner spool's; signing runs on the pool's threads.
#pragma once

#include <functional>
#include <memory>

#include <asio/thread_pool.hpp>

#include "dkim/signer.hpp"
#include "mta/spool/spool.hpp"

namespace mta::queue {

class SigningSpool final : public spool::Spool {
 public:
  using CurrentSigner = std::function<std::shared_ptr<const dkim::Signer>()>;
  SigningSpool(spool::Spool& inner, asio::thread_pool& pool, CurrentSigner signer)
      : inner_(inner), pool_(pool), signer_(std::move(signer)) {}

  void store(spool::Envelope envelope, std::string body, spool::StoreDone done) override;
  void update_recipient(spool::QueueId id, std::uint32_t index, spool::RecipientState state,
                        spool::Done done) override {
    inner_.update_recipient(id, index, state, std::move(done));
  }
  void set_held(spool::QueueId id, bool held, spool::Done done) override {
    inner_.set_held(id, held, std::move(done));
  }
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
  asio::thread_pool& pool_;
  CurrentSigner signer_;
};

}  // namespace mta::queue
