#include "dns/resolver/network_resolver.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>

#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <openssl/rand.h>

#include "dns/name.hpp"
#include "dns/resolver/message.hpp"
#include "dns/resolver/resolv_conf.hpp"

namespace dns {

using namespace asio::experimental::awaitable_operators;

namespace {

constexpr std::size_t kMaxMessage = 65535;  // the largest UDP datagram and TCP-framed message

std::uint16_t random_id() {
  std::uint16_t id = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id) != 1)
    throw std::runtime_error("the random generator failed");
  return id;
}

// What one server gave us for one question.
struct Attempt {
  enum class Outcome { reply, truncated, timeout, unusable, error } outcome = Outcome::timeout;
  Response response;
  std::string detail;
};

asio::awaitable<Attempt> udp_exchange(const asio::ip::udp::endpoint& server,
                                      const std::vector<std::uint8_t>& query, std::uint16_t id,
                                      const std::string& name, RecordType type,
                                      std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::udp::socket socket(executor);
  socket.open(server.protocol());
  socket.bind(asio::ip::udp::endpoint(server.protocol(), 0));  // a fresh ephemeral (random) port
  // Connected: the kernel delivers only datagrams from the server, and a closed port fails fast.
  socket.connect(server);
  co_await socket.async_send(asio::buffer(query), asio::use_awaitable);

  asio::steady_timer timer(executor);
  timer.expires_after(timeout);
  std::vector<std::uint8_t> buffer(kMaxMessage);
  Attempt attempt;
  for (;;) {
    auto received = co_await (socket.async_receive(asio::buffer(buffer), asio::use_awaitable) ||
                              timer.async_wait(asio::use_awaitable));
    if (received.index() == 1) co_return attempt;  // timeout, or unusable replies only
    std::size_t size = std::get<0>(received);
    auto reply = parse_reply(std::span(buffer.data(), size), id, name, type);
    if (reply.verdict == ParsedReply::Verdict::malformed) {
      attempt.outcome = Attempt::Outcome::unusable;
      attempt.detail = "a malformed reply from " + server.address().to_string();
      continue;
    }
    if (reply.verdict == ParsedReply::Verdict::mismatch) continue;
    if (reply.truncated) {
      attempt.outcome = Attempt::Outcome::truncated;
      co_return attempt;
    }
    attempt.outcome = Attempt::Outcome::reply;
    attempt.response = std::move(reply.response);
    co_return attempt;
  }
}

asio::awaitable<std::vector<std::uint8_t>> tcp_round_trip(const asio::ip::tcp::endpoint& server,
                                                          const std::vector<std::uint8_t>& query) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::socket socket(executor);
  co_await socket.async_connect(server, asio::use_awaitable);
  std::vector<std::uint8_t> framed(query.size() + 2);
  framed[0] = static_cast<std::uint8_t>(query.size() >> 8);
  framed[1] = static_cast<std::uint8_t>(query.size() & 0xff);
  std::copy(query.begin(), query.end(), framed.begin() + 2);
  co_await asio::async_write(socket, asio::buffer(framed), asio::use_awaitable);
  std::array<std::uint8_t, 2> length{};
  co_await asio::async_read(socket, asio::buffer(length), asio::use_awaitable);
  std::vector<std::uint8_t> reply((std::size_t{length[0]} << 8) | length[1]);
  co_await asio::async_read(socket, asio::buffer(reply), asio::use_awaitable);
  co_return reply;
}

asio::awaitable<Attempt> tcp_exchange(const asio::ip::udp::endpoint& server,
                                      const std::vector<std::uint8_t>& query, std::uint16_t id,
                                      const std::string& name, RecordType type,
                                      std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::endpoint endpoint(server.address(), server.port());
  asio::steady_timer timer(executor);
  timer.expires_after(timeout);
  Attempt attempt;
  auto result = co_await (tcp_round_trip(endpoint, query) || timer.async_wait(asio::use_awaitable));
  if (result.index() == 1) co_return attempt;
  auto reply = parse_reply(std::get<0>(result), id, name, type);
  if (reply.verdict != ParsedReply::Verdict::ours || reply.truncated) {
    attempt.outcome = Attempt::Outcome::unusable;
    attempt.detail = "an unusable TCP reply from " + server.address().to_string();
    co_return attempt;
  }
  attempt.outcome = Attempt::Outcome::reply;
  attempt.response = std::move(reply.response);
  co_return attempt;
}

asio::awaitable<Attempt> exchange(const asio::ip::udp::endpoint& server, const std::string& name,
                                  RecordType type, std::chrono::milliseconds timeout) {
  Attempt attempt;
  try {
    std::uint16_t id = random_id();
    auto query = build_query(id, name, type);
    if (!query) {
      attempt.outcome = Attempt::Outcome::reply;
      attempt.response.status = Status::malformed;
      attempt.response.detail =
          "'" + name + "' is not a valid domain name (labels up to 63, names up to 253 octets)";
      co_return attempt;
    }
    attempt = co_await udp_exchange(server, *query, id, name, type, timeout);
    if (attempt.outcome == Attempt::Outcome::truncated) {
      std::uint16_t tcp_id = random_id();
      auto tcp_query = build_query(tcp_id, name, type);
      attempt = co_await tcp_exchange(server, *tcp_query, tcp_id, name, type, timeout);
    }
  } catch (const std::system_error& error) {
    attempt.outcome = Attempt::Outcome::error;
    attempt.detail = server.address().to_string() + ": " + error.code().message();
  }
  co_return attempt;
}

std::string describe(const asio::ip::udp::endpoint& server) {
  std::string address = server.address().to_string();
  if (server.address().is_v6()) address = "[" + address + "]";
  return address + ":" + std::to_string(server.port());
}

}  // namespace

struct NetworkResolver::Pending {
  explicit Pending(const asio::any_io_executor& executor) : done(executor) {
    done.expires_at(asio::steady_timer::time_point::max());
  }
  asio::steady_timer done;  // cancelled when the result is in
  std::optional<Response> result;
};

NetworkResolver::NetworkResolver(asio::any_io_executor executor, NetworkResolverOptions options)
    : executor_(std::move(executor)), cache_(0) {
  set_options(std::move(options));
}

NetworkResolver::~NetworkResolver() = default;

asio::awaitable<Response> NetworkResolver::query(std::string name, RecordType type) {
  ResponseCache::Key key{canonical_name(name), type};
  if (auto cached = cache_.get(key, ResponseCache::Clock::now())) co_return *cached;
  if (auto it = in_flight_.find(key); it != in_flight_.end()) {
    std::shared_ptr<Pending> pending = it->second;
    if (!pending->result) {
      asio::error_code ignored;
      co_await pending->done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    if (pending->result) co_return *pending->result;
  }
  auto pending = std::make_shared<Pending>(executor_);
  in_flight_[key] = pending;
  Response response = co_await resolve(key.first, type);
  cache_.put(key, response, ResponseCache::Clock::now());
  pending->result = response;
  in_flight_.erase(key);
  pending->done.cancel();
  co_return response;
}

void NetworkResolver::set_options(NetworkResolverOptions options) {
  if (options.servers.empty()) options.servers = system_nameservers();
  if (options.attempts == 0) options.attempts = 1;
  cache_ = ResponseCache(options.cache_entries);
  options_ = std::move(options);
}

asio::awaitable<Response> NetworkResolver::resolve(const std::string& name, RecordType type) {
  const NetworkResolverOptions options = options_;  // a copy: set_options may replace options_ meanwhile
  Response failure;
  failure.status = Status::temporary;
  std::string last_detail;
  bool unusable_only = true;
  for (unsigned round = 0; round < options.attempts; ++round) {
    for (const auto& server : options.servers) {
      ++exchanges_;
      Attempt attempt = co_await exchange(server, name, type, options.timeout);
      switch (attempt.outcome) {
        case Attempt::Outcome::reply:
          if (attempt.response.status != Status::temporary) co_return attempt.response;
          last_detail = describe(server) + ": " + attempt.response.detail;
          unusable_only = false;
          break;
        case Attempt::Outcome::timeout:
          last_detail = "no answer from " + describe(server) + " within " +
                        std::to_string(options.timeout.count()) + " ms";
          unusable_only = false;
          break;
        case Attempt::Outcome::unusable:
          last_detail = attempt.detail;
          break;
        case Attempt::Outcome::truncated:
        case Attempt::Outcome::error:
          last_detail = attempt.detail;
          unusable_only = false;
          break;
      }
    }
  }
  if (unusable_only) failure.status = Status::malformed;
  failure.detail = last_detail;
  co_return failure;
}

}  // namespace dns
