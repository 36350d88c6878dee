#include "campaigns/send/injector.hpp"

#include <algorithm>
#include <ctime>
#include <exception>

#include <asio/co_spawn.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "campaigns/send/daemon_reply.hpp"
#include "mta/delivery/smtp_client.hpp"

namespace campaigns::send {
namespace {

using Clock = std::chrono::steady_clock;
using mta::delivery::SmtpConnection;

std::string utc_time(SysSeconds t) {
  std::time_t time = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&time, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &tm);
  return text;
}

}  // namespace

Injector::Injector(asio::io_context& io, InjectorSettings settings, JobQueue& jobs, InjectionLog& log)
    : io_(io),
      settings_(std::move(settings)),
      jobs_(jobs),
      log_(log),
      pacer_(settings_.rate),
      tls_(mta::delivery::make_client_tls_context()) {}

void Injector::start(std::function<void(InjectorEnd)> done) {
  done_ = std::move(done);
  last_answer_ = Clock::now();
  spawn_connection();  // the others once this one is in: a daemon that is down is then told at once
}

void Injector::spawn_connection() {
  ++running_;
  asio::co_spawn(io_, connection_loop(), [this](std::exception_ptr error) {
    if (error) {
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& e) {
        give_up(e.what());
      }
    }
    ended();
  });
}

void Injector::drop(std::unique_ptr<SmtpConnection>& connection) {
  if (!connection) return;
  connection.reset();
  --open_;
}

void Injector::ended() {
  if (--running_ > 0) return;
  done_(auth_failed_ ? InjectorEnd::auth_failed
        : gave_up_   ? InjectorEnd::gave_up
        : stopping_  ? InjectorEnd::stopped
                     : InjectorEnd::finished);
}

void Injector::stop() {
  stopping_ = true;
  jobs_.abort();
}

void Injector::give_up(std::string why, bool authentication) {
  if (!gave_up_) reason_ = std::move(why);
  if (!gave_up_) auth_failed_ = authentication;
  gave_up_ = true;
  stop();
}

asio::awaitable<void> Injector::sleep_until(Clock::time_point until) {
  asio::steady_timer timer(io_);
  std::error_code ec;
  while (!stopping_ && Clock::now() < until) {
    timer.expires_at(std::min(until, Clock::now() + std::chrono::milliseconds(500)));
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Waits for the send window and the next rate slot; false when stopped meanwhile.
asio::awaitable<bool> Injector::pace() {
  bool announced = false;
  std::optional<SysSeconds> opens;
  SysSeconds now;
  Clock::time_point until;
  for (;;) {
    if (stopping_) co_return false;
    if (!settings_.window) break;
    now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    opens = opens_at(*settings_.window, now, *settings_.zone);
    if (!opens) break;
    if (!announced)
      log_.waiting("outside the send window " + describe(*settings_.window) + "; it opens at " +
                   utc_time(*opens));
    announced = true;
    until = Clock::now() + std::min<Clock::duration>(*opens - now, std::chrono::seconds(30));
    co_await sleep_until(until);
  }
  if (announced) log_.waiting("");
  until = pacer_.take(Clock::now());
  if (until > Clock::now()) co_await sleep_until(until);
  co_return !stopping_;
}

asio::awaitable<void> Injector::connection_loop() {
  mta::delivery::ClientOptions options;
  options.ehlo_name = settings_.ehlo_name;
  // A relay listener trusts this host: plaintext. With credentials, STARTTLS when offered (on loopback
  // the daemon may offer AUTH without it); the client itself requires TLS for a server off this machine.
  options.tls =
      settings_.credentials ? mta::delivery::TlsPolicy::opportunistic : mta::delivery::TlsPolicy::none;
  options.credentials = settings_.credentials;
  options.timeouts.connect = std::chrono::seconds(10);
  std::unique_ptr<SmtpConnection> connection;
  std::optional<Job> job;
  std::optional<Clock::time_point> failing_since;
  std::chrono::milliseconds backoff = settings_.backoff_initial;
  mta::delivery::Message message;
  mta::delivery::TransactionResult result;
  mta::delivery::Reply reply;
  std::string failure;
  Clock::time_point retry_at, now;
  unsigned sent_on_connection = 0;
  std::pair<std::unique_ptr<SmtpConnection>, std::optional<mta::delivery::ClientError>> opened;
  const auto endpoint = settings_.daemon;

  for (;;) {
    if (stopping_) break;
    if (!job) {
      job = co_await jobs_.pop();
      if (!job) break;
    }
    if (!job->message.problem.empty()) {
      log_.unrenderable(*job);
      job.reset();
      continue;
    }
    if (!co_await pace()) break;
    failure.clear();
    if (connection && sent_on_connection >= settings_.max_messages_per_connection) {
      co_await connection->quit();
      drop(connection);
    }
    if (connection && !connection->usable()) drop(connection);
    if (!connection) {
      sent_on_connection = 0;
      opened = co_await SmtpConnection::open(endpoint, options, tls_);
      if (opened.first) {
        connection = std::move(opened.first);
        ++open_;
        if (!ever_connected_)
          for (unsigned i = 1; i < settings_.connections; ++i)
            spawn_connection();
        ever_connected_ = true;
      } else {
        failure = "cannot connect to the daemon at " + endpoint.address().to_string() + ":" +
                  std::to_string(endpoint.port()) + ": " +
                  (opened.second ? opened.second->what : std::string("unknown error"));
        if (opened.second && opened.second->reply) failure += " (" + opened.second->reply->text() + ")";
        if (opened.second && opened.second->authentication) {
          give_up("the daemon at " + endpoint.address().to_string() + ":" + std::to_string(endpoint.port()) +
                      " did not let user '" + settings_.credentials->user +
                      "' log in: " + opened.second->what +
                      (opened.second->reply ? " (" + opened.second->reply->text() + ")" : std::string()),
                  true);
          break;
        }
        if (!ever_connected_) {
          give_up(failure);
          break;
        }
        if (open_ > 0) {  // the others get in: the daemon limits connections, so go on with fewer
          log_.note("campaign send: " + failure + "; going on with " + std::to_string(open_) +
                    (open_ == 1 ? " connection" : " connections"));
          jobs_.put_back(std::move(*job));
          job.reset();
          break;
        }
      }
    }
    if (connection) {
      message.sender = job->message.envelope_from;
      message.recipients = {job->message.recipient};
      message.data = job->message.message;
      message.eight_bit = job->eight_bit;
      message.smtputf8 = job->message.needs_smtputf8;
      result = co_await connection->send(message);
      ++sent_on_connection;
      reply = result.recipients.empty() ? mta::delivery::Reply{421, {"4.4.2 no reply"}, {}}
                                        : result.recipients[0];
      if (!result.connection_usable) drop(connection);
      if (reply.positive()) {
        accepted_any_ = true;
        log_.injected(*job, queue_id_from_reply(reply.text()));
      } else if (reply.permanent() && !accepted_any_ && reply.enhanced && reply.enhanced->subject == 7 &&
                 ++policy_refusals_ < std::max(3u, 2 * settings_.connections)) {
        // A policy refusal before anything was accepted: relay access denied (every message will be), or
        // this recipient is suppressed at the daemon (550 5.7.1 too). Not recorded yet: the message goes
        // to the back of the queue, and is recorded as refused once another has been accepted.
        jobs_.requeue(std::move(*job));
        job.reset();
      } else if (reply.permanent() && !accepted_any_ && reply.enhanced && reply.enhanced->subject == 7) {
        give_up("the daemon at " + endpoint.address().to_string() + ":" + std::to_string(endpoint.port()) +
                " refuses this host's mail (" + reply.text() + "): " +
                (settings_.credentials
                     ? "let [campaigns] inject_user '" + settings_.credentials->user +
                           "' send as the campaign's bounce address and From domain (relayctl users add " +
                           settings_.credentials->user + " --allow @DOMAIN ... --replace)"
                     : std::string("set [campaigns] inject to a relay listener whose [server] "
                                   "trusted_networks include this host")));
        break;
      } else if (reply.permanent()) {
        log_.refused(*job, reply.text());
      } else {
        failure = "the daemon answered " + reply.text();
      }
    }
    if (failure.empty()) {
      job.reset();
      last_answer_ = Clock::now();
      if (failing_since) log_.waiting("");
      failing_since.reset();
      backoff = settings_.backoff_initial;
      continue;
    }
    now = Clock::now();
    if (!failing_since) failing_since = now;
    if (now - std::max(*failing_since, last_answer_) >= settings_.give_up_after) {
      give_up(failure + "; gave up after " + std::to_string(settings_.give_up_after.count()) + " s");
      break;
    }
    log_.waiting(failure + "; retrying");
    retry_at = now + backoff;
    co_await sleep_until(retry_at);
    backoff = std::min(backoff * 2, settings_.backoff_max);
  }
  if (connection) {
    co_await connection->quit();
    drop(connection);
  }
}

}  // namespace campaigns::send
