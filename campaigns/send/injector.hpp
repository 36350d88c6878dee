// injector.hpp — feeds rendered messages into the running daemon over SMTP, the way PowerMTA and KumoMTA
// are fed: several persistent connections (mta/delivery/smtp_client: PIPELINING of MAIL, RCPT and DATA,
// many transactions per connection), each with one transaction in flight, paced by the send window and
// the maximum rate. Every answer goes to the InjectionLog before that connection sends anything else, so
// at most `connections` messages are ever sent without their answer being recorded.
// Errors: a daemon that cannot be reached at the start ends the run at once (gave_up); later, a broken
// connection is reopened and a 4xx retried with back-off until give_up_after passes without any answer on
// any connection (gave_up, state left resumable); a connection the daemon turns away while others are
// open (its per-client limit) is retired and its message handed on. 5xx is the recipient's refusal —
// except a policy refusal (5.7.x, "Relay access denied") before the daemon accepted anything in this run:
// this host may not inject, so the run gives up without marking anyone refused. With credentials (a
// submission listener), a login the daemon refuses, or AUTH it cannot do, ends the run at once
// (auth_failed), nothing marked refused.
// Untrusted input: the daemon's replies, through the client's bounded ReplyReader.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>

#include "campaigns/send/job_queue.hpp"
#include "campaigns/send/pacer.hpp"
#include "campaigns/send/send_window.hpp"
#include "mta/delivery/smtp_client.hpp"

namespace campaigns::send {

struct InjectorSettings {
  asio::ip::tcp::endpoint daemon;
  unsigned connections = 16;
  // Then QUIT and reconnect: the daemon ends a session after [server.limits] max_commands (3 a message).
  unsigned max_messages_per_connection = 1000;
  std::string ehlo_name = "localhost";
  std::optional<mta::delivery::Credentials> credentials;  // AUTH PLAIN on every connection
  std::chrono::seconds give_up_after{60};  // no answer from the daemon for this long (down, 4xx): stop
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{5000};
  std::optional<SendWindow> window;
  std::optional<ZoneOffsets> zone;  // required with window
  SendRate rate;
};

// Called on the io thread.
class InjectionLog {
 public:
  virtual ~InjectionLog() = default;
  virtual void injected(const Job& job, std::string_view queue_id) = 0;
  virtual void refused(const Job& job, std::string_view reply) = 0;
  virtual void unrenderable(const Job& job) = 0;   // job.message.problem says why
  virtual void waiting(std::string_view why) = 0;  // "" when sending again
  virtual void note(std::string_view what) = 0;    // something worth a line of its own
};

// auth_failed: the daemon refused the credentials, or AUTH could not be done; reason() says why.
enum class InjectorEnd { finished, stopped, gave_up, auth_failed };

class Injector {
 public:
  Injector(asio::io_context& io, InjectorSettings settings, JobQueue& jobs, InjectionLog& log);
  // Spawns the connections; done runs (on the io thread) once all have ended.
  void start(std::function<void(InjectorEnd)> done);
  void stop();                                           // after the transactions in flight
  const std::string& reason() const { return reason_; }  // why it gave up

 private:
  void spawn_connection();
  asio::awaitable<void> connection_loop();
  void drop(std::unique_ptr<mta::delivery::SmtpConnection>& connection);
  asio::awaitable<bool> pace();
  asio::awaitable<void> sleep_until(std::chrono::steady_clock::time_point until);
  void give_up(std::string why, bool authentication = false);
  void ended();

  asio::io_context& io_;
  InjectorSettings settings_;
  JobQueue& jobs_;
  InjectionLog& log_;
  Pacer pacer_;
  asio::ssl::context tls_;
  std::function<void(InjectorEnd)> done_;
  unsigned running_ = 0, open_ = 0;
  std::chrono::steady_clock::time_point last_answer_;  // the daemon's last 2xx or 5xx, on any connection
  bool stopping_ = false, gave_up_ = false, auth_failed_ = false, ever_connected_ = false,
       accepted_any_ = false;
  unsigned policy_refusals_ = 0;  // 5.7.x refusals before anything was accepted (relay denied?)
  std::string reason_;
};

}  // namespace campaigns::send
