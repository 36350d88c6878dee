// signing_spool.cpp — signs on the pool, then stores from there (the inner spool accepts stores from any
// thread); the completion arrives as the inner spool delivers it.
#include "mta/queue/signing_spool.hpp"

#include <asio/post.hpp>

#include "mta/log/log.hpp"

namespace mta::queue {

void SigningSpool::store(spool::Envelope envelope, std::string body, spool::StoreDone done) {
  auto signer = signer_ ? signer_() : nullptr;
  if (!signer) {
    inner_.store(std::move(envelope), std::move(body), std::move(done));
    return;
  }
  asio::post(pool_, [this, signer = std::move(signer), envelope = std::move(envelope), body = std::move(body),
                     done = std::move(done)]() mutable {
    auto signature = signer->sign(body);
    if (signature.ok())
      body.insert(0, *signature);
    else
      log::warn("dkim.sign_failed", {{"sender", envelope.sender}, {"error", signature.error()}});
    inner_.store(std::move(envelope), std::move(body), std::move(done));
  });
}

}  // namespace mta::queue
