#include "mta/inbound/scan/rspamd_client.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "dns/host_port.hpp"

namespace mta::inbound::scan {
namespace {

using Clock = std::chrono::steady_clock;

SpamScan failure(std::string error) {
  SpamScan scan;
  scan.error = std::move(error);
  return scan;
}

bool header_safe(std::string_view value) {
  return !value.empty() && value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

void add_header(httplib::Headers& headers, const char* name, std::string_view value) {
  if (header_safe(value)) headers.emplace(name, std::string(value));
}

std::string seconds_text(config::Seconds timeout) {
  return std::to_string(timeout.count()) + " s";
}

std::string snippet(std::string_view body) {
  constexpr std::size_t kShown = 200;
  std::string out(body.substr(0, kShown));
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return body.size() > kShown ? out + "..." : out;
}

}  // namespace

SpamScan parse_checkv2_reply(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return failure("rspamd's reply is not a JSON object");
  if (auto error = json.find("error"); error != json.end() && error->is_string())
    return failure("rspamd could not scan the message: " + error->get<std::string>());
  auto score = json.find("score");
  auto required = json.find("required_score");
  auto action = json.find("action");
  if (score == json.end() || !score->is_number() || required == json.end() || !required->is_number() ||
      action == json.end() || !action->is_string())
    return failure("rspamd's reply lacks score, required_score or action");
  SpamScan scan;
  scan.score = score->get<double>();
  scan.required_score = required->get<double>();
  if (!std::isfinite(scan.score) || !std::isfinite(scan.required_score))
    return failure("rspamd's reply has a score that is not a finite number");
  scan.action = action->get<std::string>();
  if (auto symbols = json.find("symbols"); symbols != json.end() && symbols->is_object())
    for (const auto& [name, detail] : symbols->items())
      scan.symbols.push_back(name);
  std::sort(scan.symbols.begin(), scan.symbols.end());
  scan.ok = true;
  return scan;
}

RspamdClient::RspamdClient(config::ScannerConfig config) : config_(std::move(config)) {
  auto parsed = dns::parse_host_port(config_.address, 0);
  if (!parsed.value) {
    address_error_ = "rspamd address \"" + config_.address + "\": " + parsed.error;
    return;
  }
  host_ = parsed.value->host;
  port_ = parsed.value->port;
}

SpamScan RspamdClient::scan(const ScanEnvelope& envelope, std::string_view message) const {
  if (!address_error_.empty()) return failure(address_error_);
  const std::string where = "rspamd at " + config_.address;

  httplib::Client client(host_, port_);
  client.set_keep_alive(false);
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(config_.timeout);
  client.set_read_timeout(config_.timeout);
  client.set_write_timeout(config_.timeout);

  // cpp-httplib's timeouts are per connect, read and write; the deadline bounds the whole exchange, so a
  // scanner trickling its reply cannot hold a worker for longer.
  const auto start = Clock::now();
  const auto deadline = start + config_.timeout;
  std::string body;
  bool too_long = false, too_slow = false;

  httplib::Request request;
  request.method = "POST";
  request.path = "/checkv2";
  add_header(request.headers, "IP", envelope.client_ip);
  add_header(request.headers, "Helo", envelope.helo);
  add_header(request.headers, "Hostname", envelope.hostname);
  add_header(request.headers, "From", envelope.sender);
  for (const auto& recipient : envelope.recipients)
    add_header(request.headers, "Rcpt", recipient);
  add_header(request.headers, "Queue-Id", envelope.queue_id);
  request.headers.emplace("Content-Type", "message/rfc822");
  request.body.assign(message);
  request.content_receiver = [&](const char* data, std::size_t length, std::uint64_t, std::uint64_t) {
    if (body.size() + length > kMaxReplyBody) return !(too_long = true);
    if (Clock::now() > deadline) return !(too_slow = true);
    body.append(data, length);
    return true;
  };

  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  bool sent = client.send(request, response, error);
  if (too_long)
    return failure(where + ": the reply is longer than " + std::to_string(kMaxReplyBody) + " bytes");
  if (too_slow || (!sent && Clock::now() - start >= config_.timeout))
    return failure(where + ": no complete answer within " + seconds_text(config_.timeout));
  if (!sent) {
    switch (error) {
      case httplib::Error::Connection:
      case httplib::Error::ConnectionTimeout:
        return failure(where + ": cannot connect");
      case httplib::Error::Read:
        return failure(where + ": the connection closed before a complete answer");
      case httplib::Error::Write:
        return failure(where + ": the connection closed while sending the message");
      default:
        return failure(where + ": " + httplib::to_string(error));
    }
  }
  if (response.status != 200)
    return failure(where + ": HTTP status " + std::to_string(response.status) + ": " + snippet(body));
  auto scan = parse_checkv2_reply(body);
  if (!scan.ok) scan.error = where + ": " + scan.error;
  return scan;
}

}  // namespace mta::inbound::scan
