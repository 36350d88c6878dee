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
#include "mta/spool/forwarding_spool.hpp"

namespace mta::queue {

class SigningSpool final : public spool::ForwardingSpool {
 public:
  using CurrentSigner = std::function<std::shared_ptr<const dkim::Signer>()>;
  SigningSpool(spool::Spool& inner, asio::thread_pool& pool, CurrentSigner signer)
      : ForwardingSpool(inner), pool_(pool), signer_(std::move(signer)) {}

  void store(spool::Envelope envelope, std::string body, spool::StoreDone done) override;

 private:
  asio::thread_pool& pool_;
  CurrentSigner signer_;
};

}  // namespace mta::queue
