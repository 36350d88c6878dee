#include "mta/inbound/recipients/recipient_probe.hpp"

#include <algorithm>
#include <array>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <variant>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "dns/name.hpp"
#include "mta/delivery/reply.hpp"
#include "mta/delivery/smtp_client.hpp"
#include "mta/log/log.hpp"
#include "mta/smtp/ascii.hpp"

namespace mta::inbound {
namespace {

using namespace asio::experimental::awaitable_operators;
using asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
constexpr auto kTuple = asio::experimental::as_tuple(asio::use_awaitable);

constexpr std::size_t kMaxRecipient = 512;  // RFC 5321 §4.5.3.1.3 says 256; the parser's own limit rules
constexpr delivery::ReplyLimits kReplyLimits{1024, 64};  // a backend's replies: 64 lines of 1 KB at most
constexpr std::chrono::seconds kQuitWait{2};             // for the 221 once the answer is known

// What one backend said to RCPT, or why it could not be asked.
struct BackendOutcome {
  bool answered = false;  // the backend replied to RCPT: status is its answer
  RecipientStatus status = RecipientStatus::unavailable;
  std::string detail;       // the RCPT reply, or what failed
  bool tls_failed = false;  // the TLS handshake failed: under opportunistic TLS, retry without it
  bool null_sender_refused = false;
  bool permanent = false;  // the RCPT reply was a 5xx
};

BackendOutcome failure(std::string detail) {
  BackendOutcome outcome;
  outcome.detail = std::move(detail);
  return outcome;
}

// The RCPT reply as an answer. A 5xx is "no such user" only when it speaks of the address (enhanced code
// 5.1.x but the sender's 5.1.7/5.1.8, or 5.2.1 mailbox disabled; without an enhanced code 550, 551, 553):
// a 554 5.7.1 "relay access denied" or a 530 "authentication required" says the backend does not accept
// probes from us, and must not turn every recipient into a 550.
RecipientStatus classify_rcpt(const delivery::Reply& reply) {
  if (reply.code >= 200 && reply.code < 300) return RecipientStatus::valid;
  if (!reply.permanent()) return RecipientStatus::unavailable;
  if (const auto& code = reply.enhanced) {
    bool address = code->subject == 1 && code->detail != 7 && code->detail != 8;
    bool disabled = code->subject == 2 && code->detail == 1;
    return address || disabled ? RecipientStatus::unknown : RecipientStatus::unavailable;
  }
  return reply.code == 550 || reply.code == 551 || reply.code == 553 ? RecipientStatus::unknown
                                                                     : RecipientStatus::unavailable;
}

// The EHLO keywords (upper case) after the first line.
std::set<std::string> ehlo_keywords(const delivery::Reply& reply) {
  std::set<std::string> keywords;
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::string_view line = reply.lines[i];
    std::string word(line.substr(0, line.find(' ')));
    std::transform(word.begin(), word.end(), word.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    keywords.insert(std::move(word));
  }
  return keywords;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return c < 0x80; });
}

// Why the probe will not send this address, or "" when it may.
std::string refusal(const config::InboundDomain& domain, std::string_view recipient) {
  if (recipient.empty() || recipient.size() > kMaxRecipient) return "address empty or too long";
  if (std::any_of(recipient.begin(), recipient.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return "control character in the address";
  auto at = recipient.rfind('@');
  if (at == std::string_view::npos || at == 0) return "not local@domain";
  if (dns::canonical_name(recipient.substr(at + 1)) != dns::canonical_name(domain.name))
    return "the address is not at " + domain.name;
  if (domain.backends.empty()) return "the domain has no backend";
  return "";
}

// One conversation with one backend address, on a private io_context; every wait ends at deadline.
class Conversation {
 public:
  Conversation(asio::io_context& io, asio::ssl::context& tls, SteadyClock::time_point deadline)
      : stream_(io, tls), deadline_(deadline), reader_(kReplyLimits) {}

  struct ReadResult {
    std::optional<delivery::Reply> reply;
    std::string error;
  };

  void shorten_deadline(SteadyClock::time_point deadline) { deadline_ = std::min(deadline_, deadline); }
  bool tls() const { return tls_; }

  asio::awaitable<std::string> connect(const tcp::endpoint& endpoint) {
    asio::steady_timer timer(stream_.get_executor());
    timer.expires_at(deadline_);
    auto connected =
        co_await (stream_.next_layer().async_connect(endpoint, kTuple) || timer.async_wait(kTuple));
    if (connected.index() == 1) co_return "connect timeout";
    if (auto [error] = std::get<0>(connected); error) co_return "connect: " + error.message();
    co_return "";
  }

  asio::awaitable<ReadResult> read_reply() {
    while (true) {
      delivery::Reply reply;
      auto state = reader_.next(reply);
      if (state == delivery::ReplyReader::State::reply) co_return ReadResult{std::move(reply), {}};
      if (state == delivery::ReplyReader::State::error)
        co_return ReadResult{std::nullopt, "malformed reply: " + reader_.error()};
      asio::steady_timer timer(stream_.get_executor());
      timer.expires_at(deadline_);
      auto buffer = asio::buffer(buffer_);
      std::variant<std::tuple<asio::error_code, std::size_t>, std::tuple<asio::error_code>> result =
          tls_ ? co_await (stream_.async_read_some(buffer, kTuple) || timer.async_wait(kTuple))
               : co_await (stream_.next_layer().async_read_some(buffer, kTuple) || timer.async_wait(kTuple));
      if (result.index() == 1) co_return ReadResult{std::nullopt, "timeout"};
      auto [error, n] = std::get<0>(result);
      if (error)
        co_return ReadResult{
            std::nullopt, error == asio::error::eof ? "connection closed by the backend" : error.message()};
      reader_.feed(std::string_view(buffer_.data(), n));
    }
  }

  // line is a view (of a caller's string that lives across the co_await): gcc 12 destroys a prvalue passed
  // by value to a coroutine twice.
  asio::awaitable<ReadResult> command(std::string_view text) {
    std::string line = std::string(text) + "\r\n";
    asio::steady_timer timer(stream_.get_executor());
    timer.expires_at(deadline_);
    auto buffer = asio::buffer(line.data(), line.size());
    std::variant<std::tuple<asio::error_code, std::size_t>, std::tuple<asio::error_code>> result =
        tls_ ? co_await (asio::async_write(stream_, buffer, kTuple) || timer.async_wait(kTuple))
             : co_await (asio::async_write(stream_.next_layer(), buffer, kTuple) || timer.async_wait(kTuple));
    if (result.index() == 1) co_return ReadResult{std::nullopt, "timeout while sending"};
    if (auto [error, n] = std::get<0>(result); error) co_return ReadResult{std::nullopt, error.message()};
    co_return co_await read_reply();
  }

  // STARTTLS has been answered 220: the handshake. "" on success.
  asio::awaitable<std::string> handshake() {
    // Anything sent after the 220 came before TLS and must not be read as if it came through it
    // (RFC 3207 §4.2, CVE-2011-0411).
    if (reader_.buffered() > 0) co_return "the backend sent data after its STARTTLS reply";
    asio::steady_timer timer(stream_.get_executor());
    timer.expires_at(deadline_);
    auto shaken = co_await (stream_.async_handshake(asio::ssl::stream_base::client, kTuple) ||
                            timer.async_wait(kTuple));
    if (shaken.index() == 1) co_return "TLS handshake timeout";
    if (auto [error] = std::get<0>(shaken); error) co_return "TLS handshake failed: " + error.message();
    tls_ = true;
    reader_ = delivery::ReplyReader(kReplyLimits);
    co_return "";
  }

 private:
  asio::ssl::stream<tcp::socket> stream_;
  SteadyClock::time_point deadline_;
  delivery::ReplyReader reader_;
  bool tls_ = false;
  std::array<char, 4096> buffer_{};
};

struct Request {
  std::string helo_name;
  std::string recipient;
  config::BackendTls tls = config::BackendTls::opportunistic;
  bool try_starttls = true;  // false: the retry in plaintext after a failed opportunistic handshake
  std::optional<RecipientStatus> answer;  // set by the backend that answered RCPT
};

asio::awaitable<std::optional<std::set<std::string>>> greet(Conversation& conversation,
                                                            const Request& request, std::string& error) {
  auto ehlo = co_await conversation.command("EHLO " + request.helo_name);
  if (!ehlo.reply) {
    error = "EHLO: " + ehlo.error;
    co_return std::nullopt;
  }
  if (ehlo.reply->code == 250) co_return ehlo_keywords(*ehlo.reply);
  if (ehlo.reply->permanent()) {  // an old server: HELO (RFC 5321 §3.2)
    auto helo = co_await conversation.command("HELO " + request.helo_name);
    if (!helo.reply) {
      error = "HELO: " + helo.error;
      co_return std::nullopt;
    }
    if (helo.reply->code == 250) co_return std::set<std::string>{};
    error = "HELO refused: " + helo.reply->text();
    co_return std::nullopt;
  }
  error = "EHLO refused: " + ehlo.reply->text();
  co_return std::nullopt;
}

asio::awaitable<BackendOutcome> converse(Conversation& conversation, const tcp::endpoint& endpoint,
                                         const Request& request) {
  if (auto error = co_await conversation.connect(endpoint); !error.empty()) co_return failure(error);
  auto greeting = co_await conversation.read_reply();
  if (!greeting.reply) co_return failure("greeting: " + greeting.error);
  if (greeting.reply->code != 220) co_return failure("greeting: " + greeting.reply->text());

  std::string error;
  auto keywords = co_await greet(conversation, request, error);
  if (!keywords) co_return failure(error);
  const bool required = request.tls == config::BackendTls::required;
  if (keywords->count("STARTTLS") && (request.try_starttls || required)) {
    auto starttls = co_await conversation.command("STARTTLS");
    if (!starttls.reply) co_return failure("STARTTLS: " + starttls.error);
    if (starttls.reply->code == 220) {
      if (error = co_await conversation.handshake(); !error.empty()) {
        BackendOutcome outcome = failure(error);
        outcome.tls_failed = true;
        co_return outcome;
      }
      keywords = co_await greet(conversation, request, error);
      if (!keywords) co_return failure(error + " (after STARTTLS)");
    } else if (required) {
      co_return failure("STARTTLS refused: " + starttls.reply->text());
    }
  }
  if (required && !conversation.tls())
    co_return failure("backend_tls = required, but the backend does not offer STARTTLS");

  std::string mail = "MAIL FROM:<>";
  if (!is_ascii(request.recipient) && keywords->count("SMTPUTF8")) mail += " SMTPUTF8";
  auto mailed = co_await conversation.command(mail);
  if (!mailed.reply) co_return failure("MAIL FROM:<>: " + mailed.error);
  if (mailed.reply->code < 200 || mailed.reply->code >= 300) {
    BackendOutcome outcome = failure("MAIL FROM:<> refused: " + mailed.reply->text());
    outcome.null_sender_refused = mailed.reply->permanent();
    co_return outcome;
  }

  auto rcpt = co_await conversation.command("RCPT TO:<" + request.recipient + ">");
  if (!rcpt.reply) co_return failure("RCPT: " + rcpt.error);
  BackendOutcome outcome;
  outcome.answered = true;
  outcome.status = classify_rcpt(*rcpt.reply);
  outcome.permanent = rcpt.reply->permanent();
  outcome.detail = rcpt.reply->text();

  // The answer is known: leave politely, but not at any cost. QUIT ends the transaction (RFC 5321 §4.1.1.10).
  conversation.shorten_deadline(SteadyClock::now() + kQuitWait);
  co_await conversation.command("QUIT");
  co_return outcome;
}

}  // namespace

struct RecipientProbe::Impl {
  explicit Impl(Options opts) : options(std::move(opts)), tls(delivery::make_client_tls_context()) {}

  Options options;
  asio::ssl::context tls;

  struct Entry {
    RecipientStatus status = RecipientStatus::unavailable;
    std::int64_t expires = 0;
    std::list<std::string>::iterator position;
  };
  struct InFlight {
    std::condition_variable done_signal;
    bool done = false;
    RecipientStatus status = RecipientStatus::unavailable;
  };

  mutable std::mutex mutex;  // guards everything below
  std::unordered_map<std::string, Entry> cache;
  std::list<std::string> recency;  // cache keys, most recently used first
  std::unordered_map<std::string, std::shared_ptr<InFlight>> in_flight;
  std::uint64_t generation = 0;  // clear_cache() bumps it: a probe started before does not refill the cache

  std::mutex health_mutex;  // guards down_until
  // Backends ("host:port") that last gave no answer, until when they are asked after the others. Keys come
  // from the configuration only, and an entry goes when its backend answers again.
  std::unordered_map<std::string, std::int64_t> down_until;

  bool marked_down(const std::string& backend) {
    std::lock_guard lock(health_mutex);
    auto it = down_until.find(backend);
    return it != down_until.end() && now() < it->second;
  }

  void mark(const std::string& backend, bool answered) {
    std::lock_guard lock(health_mutex);
    if (answered)
      down_until.erase(backend);
    else
      down_until[backend] = now() + options.down_for.count();
  }

  std::int64_t now() const {
    if (options.clock) return options.clock();
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  std::optional<RecipientStatus> cached(const std::string& key) {
    auto it = cache.find(key);
    if (it == cache.end()) return std::nullopt;
    if (now() >= it->second.expires) {
      recency.erase(it->second.position);
      cache.erase(it);
      return std::nullopt;
    }
    recency.splice(recency.begin(), recency, it->second.position);
    return it->second.status;
  }

  void remember(const std::string& key, RecipientStatus status, std::chrono::seconds ttl) {
    if (ttl.count() <= 0 || options.max_cache_entries == 0) return;
    std::int64_t expires = now() + ttl.count();
    if (auto it = cache.find(key); it != cache.end()) {
      it->second.status = status;
      it->second.expires = expires;
      recency.splice(recency.begin(), recency, it->second.position);
      return;
    }
    while (cache.size() >= options.max_cache_entries) {
      cache.erase(recency.back());
      recency.pop_back();
    }
    recency.push_front(key);
    cache.emplace(key, Entry{status, expires, recency.begin()});
  }

  std::vector<asio::ip::address> addresses(const dns::HostPort& host) {
    if (auto ip = host.ip()) return {*ip};
    if (options.resolve) return options.resolve(host.host);
    std::vector<asio::ip::address> out;
    asio::io_context io;
    tcp::resolver resolver(io);
    asio::error_code error;
    for (const auto& entry : resolver.resolve(host.host, "", error))
      out.push_back(entry.endpoint().address());
    return out;
  }

  BackendOutcome attempt(const tcp::endpoint& endpoint, const Request& request) {
    asio::io_context io;
    Conversation conversation(io, tls, SteadyClock::now() + options.timeout);
    BackendOutcome outcome = failure("internal error");
    asio::co_spawn(io, converse(conversation, endpoint, request),
                   [&outcome](std::exception_ptr error, BackendOutcome result) {
                     if (!error) outcome = std::move(result);
                   });
    io.run();
    return outcome;
  }

  // Backends by priority (lower first; the configured order within one), those that recently gave no
  // answer after the others, each address of each in turn, until one answers RCPT. address: local@domain
  // with the domain as configured.
  RecipientStatus probe(const config::InboundDomain& domain, const std::string& address) {
    std::vector<std::pair<const config::InboundBackend*, std::string>> backends;
    for (const auto& backend : domain.backends)
      backends.emplace_back(&backend, backend.address.to_string());
    std::stable_sort(backends.begin(), backends.end(),
                     [](const auto& a, const auto& b) { return a.first->priority < b.first->priority; });
    std::stable_partition(backends.begin(), backends.end(),
                          [this](const auto& backend) { return !marked_down(backend.second); });
    Request request{options.helo_name, address, domain.backend_tls, true, std::nullopt};
    for (const auto& [backend, name] : backends) {
      if (probe_backend(domain, *backend, name, request)) return *request.answer;
      mark(name, false);
    }
    return RecipientStatus::unavailable;
  }

  // True when backend answered RCPT (request.answer is set).
  bool probe_backend(const config::InboundDomain& domain, const config::InboundBackend& backend,
                     const std::string& name, Request& request) {
    std::vector<asio::ip::address> ips;
    std::string lookup_error = "no address";
    try {
      ips = addresses(backend.address);
    } catch (const std::exception& error) {
      lookup_error = error.what();
    }
    if (ips.empty())
      log::warn("inbound.probe.backend_failed",
                {{"domain", domain.name}, {"backend", name}, {"error", lookup_error}});
    for (const auto& ip : ips) {
      tcp::endpoint endpoint(ip, backend.address.port ? backend.address.port : 25);
      request.try_starttls = true;
      BackendOutcome outcome = attempt(endpoint, request);
      if (outcome.tls_failed && domain.backend_tls == config::BackendTls::opportunistic) {
        log::info("inbound.probe.tls_fallback",
                  {{"domain", domain.name}, {"backend", name}, {"error", outcome.detail}});
        request.try_starttls = false;
        outcome = attempt(endpoint, request);
      }
      if (outcome.answered) {
        log::debug("inbound.probe.answer", {{"domain", domain.name},
                                            {"backend", name},
                                            {"recipient", request.recipient},
                                            {"status", to_string(outcome.status)},
                                            {"reply", outcome.detail}});
        if (outcome.status == RecipientStatus::unavailable && outcome.permanent)
          log::warn("inbound.probe.not_understood",
                    {{"domain", domain.name},
                     {"backend", name},
                     {"reply", outcome.detail},
                     {"hint",
                      "a refusal that is not about the address: does the backend accept "
                      "RCPT probes with the null sender from relayctl?"}});
        if (outcome.status == RecipientStatus::unavailable && !outcome.permanent)
          log::info("inbound.probe.deferred",
                    {{"domain", domain.name}, {"backend", name}, {"reply", outcome.detail}});
        mark(name, true);
        request.answer = outcome.status;
        return true;
      }
      if (outcome.null_sender_refused)
        log::error(
            "inbound.probe.null_sender_refused",
            {{"domain", domain.name},
             {"backend", name},
             {"reply", outcome.detail},
             {"hint", "the backend must accept MAIL FROM:<> (RFC 5321 §4.5.5) for recipients = probe"}});
      else
        log::warn("inbound.probe.backend_failed",
                  {{"domain", domain.name}, {"backend", name}, {"error", outcome.detail}});
    }
    return false;
  }
};

RecipientProbe::RecipientProbe(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
RecipientProbe::~RecipientProbe() = default;

RecipientStatus RecipientProbe::check(const config::InboundDomain& domain, std::string_view recipient) {
  auto answer = [this](RecipientStatus status) {
    auto& counter = status == RecipientStatus::valid     ? counters_.valid
                    : status == RecipientStatus::unknown ? counters_.unknown
                                                         : counters_.unavailable;
    ++counter;
    return status;
  };
  if (std::string why = refusal(domain, recipient); !why.empty()) {
    log::warn("inbound.probe.refused", {{"domain", domain.name}, {"recipient", recipient}, {"error", why}});
    return answer(RecipientStatus::unavailable);
  }

  // The domain as configured, never as the client spelled it (case, a trailing dot): what is asked, and,
  // lower-cased, the cache key.
  const std::string address = std::string(recipient.substr(0, recipient.rfind('@'))) + "@" + domain.name;
  const std::string key = smtp::ascii_lowered(address);
  std::shared_ptr<Impl::InFlight> mine;
  std::uint64_t generation = 0;
  {
    std::unique_lock lock(impl_->mutex);
    if (auto status = impl_->cached(key)) {
      ++counters_.cache_hits;
      return answer(*status);
    }
    if (auto it = impl_->in_flight.find(key); it != impl_->in_flight.end()) {
      auto theirs = it->second;
      ++counters_.coalesced;
      theirs->done_signal.wait(lock, [&theirs] { return theirs->done; });
      return answer(theirs->status);
    }
    mine = std::make_shared<Impl::InFlight>();
    impl_->in_flight.emplace(key, mine);
    generation = impl_->generation;
  }

  ++counters_.probes;
  RecipientStatus status = RecipientStatus::unavailable;
  try {
    status = impl_->probe(domain, address);
  } catch (const std::exception& error) {  // bad_alloc, a resolver hook's exception: never leave waiters
    log::error("inbound.probe.failed", {{"domain", domain.name}, {"error", error.what()}});
  }

  {
    std::lock_guard lock(impl_->mutex);
    if (generation == impl_->generation) {
      if (status == RecipientStatus::valid) impl_->remember(key, status, domain.probe_positive_ttl);
      if (status == RecipientStatus::unknown) impl_->remember(key, status, domain.probe_negative_ttl);
    }
    mine->status = status;
    mine->done = true;
    impl_->in_flight.erase(key);
  }
  mine->done_signal.notify_all();
  return answer(status);
}

void RecipientProbe::clear_cache() {
  std::lock_guard lock(impl_->mutex);
  impl_->cache.clear();
  impl_->recency.clear();
  ++impl_->generation;
}

std::size_t RecipientProbe::cache_size() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->cache.size();
}

}  // namespace mta::inbound
