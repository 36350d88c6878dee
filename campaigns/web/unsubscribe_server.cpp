#include "campaigns/web/unsubscribe_server.hpp"

#include <httplib.h>

#include "campaigns/web/unsubscribe_page.hpp"
#include "mta/log/log.hpp"

namespace campaigns {
namespace {

// One request per connection: a one-click POST needs no keep-alive, and an idle connection would hold one
// of the few workers until its timeout.
constexpr std::size_t kRequestsPerConnection = 1;
constexpr const char* kField = "List-Unsubscribe";

// RFC 8058: the POST body is List-Unsubscribe=One-Click, form-urlencoded (cpp-httplib puts it among the
// params) or multipart/form-data (among the files).
bool one_click(const httplib::Request& request) {
  if (request.has_param(kField) && request.get_param_value(kField) == "One-Click") return true;
  return request.has_file(kField) && request.get_file_value(kField).content == "One-Click";
}

void send(httplib::Response& response, const UnsubscribeResponse& answer) {
  response.status = answer.status;
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Content-Security-Policy", "default-src 'none'; form-action 'self'");
  response.set_content(answer.html, "text/html; charset=utf-8");
}

}  // namespace

UnsubscribeServer::Started UnsubscribeServer::start(const mta::config::WebConfig& config,
                                                    const mta::server::TlsFiles* tls,
                                                    UnsubscribeTokens& tokens,
                                                    mta::server::Metrics& metrics) {
  std::unique_ptr<UnsubscribeServer> server(new UnsubscribeServer());
  std::string where = config.listen->to_string();
  if (tls) {
    auto https = std::make_unique<httplib::SSLServer>(tls->certificate.c_str(), tls->key.c_str());
    if (!https->is_valid())
      return {nullptr, "[web] tls: cannot load the certificate " + tls->certificate.string() + " and key " +
                           tls->key.string() +
                           "; check [server.tls], or set [web] tls = false behind a proxy"};
    server->http_ = std::move(https);
  } else {
    server->http_ = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *server->http_;
  unsigned threads = config.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  auto timeout = static_cast<time_t>(config.timeout.count());
  http.set_read_timeout(timeout, 0);
  http.set_write_timeout(timeout, 0);
  http.set_idle_interval(0, 100'000);
  http.set_keep_alive_max_count(kRequestsPerConnection);
  http.set_payload_max_length(kMaxBody);
  auto handle = [&tokens, &metrics](const httplib::Request& request, httplib::Response& response) {
    UnsubscribeRequest parsed{request.method, std::nullopt, one_click(request)};
    if (request.has_param("t")) parsed.token = request.get_param_value("t");
    auto answer = respond(parsed, tokens);
    ++metrics.unsubscribe_requests[static_cast<std::size_t>(answer.result)];
    send(response, answer);
  };
  // Any path: the URL's path is the operator's choice (docs/campaigns.md); other methods get 405.
  http.Get(".*", handle);
  http.Post(".*", handle);
  http.Put(".*", handle);
  http.Delete(".*", handle);
  http.Patch(".*", handle);
  http.set_exception_handler(
      [&metrics](const httplib::Request&, httplib::Response& response, std::exception_ptr e) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& error) {
          what = error.what();
        } catch (...) {
        }
        mta::log::error("web.request_failed", {{"error", what}});
        ++metrics.unsubscribe_requests[static_cast<std::size_t>(mta::server::UnsubscribeResult::failed)];
        response.status = 500;
        response.set_content("internal error\n", "text/plain");
      });
  if (!http.bind_to_port(config.listen->host, config.listen->port))
    return {nullptr, "[web] listen: cannot listen on " + where +
                         "; free the port or change [web] listen in the configuration"};
  server->thread_ = std::thread([&http] { http.listen_after_bind(); });
  mta::log::info("web.started", {{"address", where}, {"tls", tls != nullptr}});
  return {std::move(server), ""};
}

void UnsubscribeServer::stop() {
  if (!thread_.joinable()) return;
  http_->stop();
  thread_.join();
}

UnsubscribeServer::~UnsubscribeServer() {
  stop();
}

}  // namespace campaigns
