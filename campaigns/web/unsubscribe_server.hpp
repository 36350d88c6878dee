// unsubscribe_server.hpp — the one-click unsubscribe endpoint over HTTP or HTTPS ([web] listen, [web] tls
// with [server.tls]'s certificate), on cpp-httplib (Debian's libcpp-httplib-dev): its own listener thread
// and a pool of [web] threads workers, a read and write timeout of [web] timeout, request bodies of at
// most kMaxBody octets, one request per connection. Any path is accepted: the token is the t query
// parameter (or form field), as campaigns' unsubscribe URLs carry it; unsubscribe_page.hpp decides the
// answer. It lives in campaigns/ (not mta/server/) because it needs the campaigns database and verp.hpp,
// which relay_mta cannot call. Errors: start() names the address or certificate that failed; a request
// never throws (handler exceptions answer 500, counted as failed). Untrusted input: every HTTP request
// (parsed by cpp-httplib within its limits, headers at most 8 KiB).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "campaigns/daemon/unsubscribe_tokens.hpp"
#include "mta/config/config.hpp"
#include "mta/server/metrics.hpp"
#include "mta/server/tls_context.hpp"

namespace httplib {
class Server;
}

namespace campaigns {

inline constexpr std::size_t kMaxBody = 4096;

class UnsubscribeServer {
 public:
  struct Started;
  // Binds [web] listen and starts serving. tls: the certificate and key for HTTPS, null for plain HTTP.
  static Started start(const mta::config::WebConfig& config, const mta::server::TlsFiles* tls,
                       UnsubscribeTokens& tokens, mta::server::Metrics& metrics);
  ~UnsubscribeServer();
  void stop();  // stops accepting and joins the listener thread; idempotent

 private:
  UnsubscribeServer() = default;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
};

struct UnsubscribeServer::Started {
  std::unique_ptr<UnsubscribeServer> server;
  std::string error;
};

}  // namespace campaigns
