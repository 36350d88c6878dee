// smtp_daemon.hpp — integration-test helpers for the SMTP server: a `relayctl serve` daemon on free
// loopback ports with its own spool, database and configuration in a temp dir (one user, alice, whose
// password is "secret" and who may send as @example.com), and a raw SMTP client (plain or TLS through
// OpenSSL) that sends exact bytes and reads whole replies, for the dialogues swaks cannot produce.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace relay::test {

struct DaemonOptions {
  std::string extra_server;  // TOML lines appended to [server] (e.g. trusted_networks)
  std::string limits;        // TOML lines for [server.limits]
  std::string delivery;      // TOML lines for [delivery] (accounting_log is always set, into the temp dir)
  // TOML lines for [dns]. Default: a loopback port where nothing answers, so that the daemon never asks
  // a nameserver off this machine; MX lookups then fail as temporary and mail stays queued (deferred).
  std::string dns;
  std::string extra;  // more TOML at the end (sections, e.g. [[delivery.route]])
  bool plaintext_auth_on_loopback = false;
};

class SmtpDaemon {
 public:
  explicit SmtpDaemon(DaemonOptions options = {});
  ~SmtpDaemon();

  bool start();  // starts `relayctl serve` and waits for every port; false (see log()) when it did not
  std::optional<int> stop(int signal = 15);
  std::optional<int> kill9() { return stop(9); }
  // Variables added to serve's environment from the next start() on (e.g. LD_PRELOAD).
  std::map<std::string, std::string>& environment() { return environment_; }

  unsigned short submission_port() const { return submission_; }
  unsigned short smtps_port() const { return smtps_; }
  unsigned short relay_port() const { return relay_; }
  unsigned short inbound_port() const { return inbound_; }
  const std::string& config_path() const { return config_path_; }
  const TempDir& dir() const { return dir_; }
  std::string log() const;  // the daemon's stderr so far
  // Replaces the first `from` in the configuration file with `to`; false when it is not there.
  bool edit_config(const std::string& from, const std::string& to);
  // SIGHUP, then waits (10 s at most) for the daemon to log the outcome; true for serve.reloaded.
  bool reload();

  // Runs relayctl with --config appended for subcommands that take it.
  RunResult relayctl(std::vector<std::string> args, const std::string& input = "") const;
  // `relayctl queue list --json`, parsed into (id, sender, first recipient) triples; empty on failure.
  std::vector<std::string> queued_ids() const;
  // True once the queue is empty, false if it is not within limit.
  bool wait_for_empty_queue(std::chrono::seconds limit) const;
  // The accounting log's lines so far ([delivery] accounting_log, in the temp dir).
  std::vector<nlohmann::json> accounting() const;

 private:
  TempDir dir_;
  std::string config_path_;
  unsigned short submission_, smtps_, relay_, inbound_;
  std::unique_ptr<Process> process_;
  std::map<std::string, std::string> environment_;
  int generation_ = 0;
};

// The relayctl the daemon runs: $RELAY_TEST_RELAYCTL when set (to run a scenario against another build),
// else the one built here.
std::string relayctl_binary();
// Runs swaks with these arguments, a 20 s timeout and without its informational lines.
RunResult swaks(std::vector<std::string> args);

// A [[delivery.route]] sending every domain to 127.0.0.1:port.
std::string route_all_to(unsigned short port);
// Options for a daemon that delivers everything to 127.0.0.1:port, with these [delivery] lines.
DaemonOptions delivering_to(unsigned short port, std::string delivery = "");

class SmtpClient {
 public:
  SmtpClient() = default;
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  bool connect(unsigned short port, const std::string& source_address = "");
  bool start_tls();  // TLS handshake on the open connection (implicit TLS, or after a 220 to STARTTLS)
  std::string tls_version() const;
  bool send(const std::string& bytes);
  // One reply (all its lines, CRLFs included); empty when the connection closed or timed out.
  std::string reply(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends a line (CRLF added) and returns the reply.
  std::string command(const std::string& line);
  // True when the server closed the connection (reads nothing more before timeout ends or EOF arrives).
  bool closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  int read_some(char* data, int size, std::chrono::milliseconds timeout);
  int fd_ = -1;
  void* ctx_ = nullptr;
  void* ssl_ = nullptr;
  std::string buffer_;
};

// The reply's three-digit code, or 0.
int reply_code(const std::string& reply);

}  // namespace relay::test
