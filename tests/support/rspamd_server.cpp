#include "tests/support/rspamd_server.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/peer_socket.hpp"

#ifndef RELAY_RSPAMD_HS_CACHE
#define RELAY_RSPAMD_HS_CACHE "/tmp/relayctl-rspamd-hs-cache"
#endif

namespace relay::test {
namespace {

// Modules that query DNS or other servers (or need redis); off, so scans are hermetic and fast.
constexpr const char* kDisabledModules[] = {"rbl",           "surbl",    "hfilter",    "spf",
                                            "dkim",          "dmarc",    "arc",        "asn",
                                            "fuzzy_check",   "emails",   "phishing",   "whitelist",
                                            "dkim_signing",  "mx_check", "greylist",   "ratelimit",
                                            "replies",       "neural",   "reputation", "url_redirector",
                                            "history_redis", "dcc",      "p0f",        "external_services",
                                            "antivirus",     "mid"};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool answers_ping(unsigned short port) {
  auto reply = exchange_tcp("127.0.0.1", port, "GET /ping HTTP/1.0\r\nHost: localhost\r\n\r\n",
                            std::chrono::milliseconds(1000));
  return reply.find("200") != std::string::npos && reply.find("pong") != std::string::npos;
}

}  // namespace

RspamdServer::RspamdServer() {
  const auto& dir = dir_.path();
  for (const char* sub : {"db", "run", "log"})
    std::filesystem::create_directories(dir / sub);
  std::filesystem::path cache = RELAY_RSPAMD_HS_CACHE;
  std::filesystem::create_directories(cache);
  port_ = free_tcp_port();

  dir_.write("override.d/worker-normal.inc",
             "bind_socket = \"127.0.0.1:" + std::to_string(port_) + "\";\ncount = 1;\n");
  dir_.write("override.d/worker-controller.inc", "enabled = false;\n");
  dir_.write("override.d/worker-proxy.inc", "enabled = false;\n");
  dir_.write("override.d/logging.inc", "type = \"file\";\nfilename = \"" + (dir / "log/rspamd.log").string() +
                                           "\";\nlevel = \"notice\";\n");
  dir_.write("local.d/options.inc",
             "dns { nameserver = [\"127.0.0.1:9\"]; timeout = 0.2s; retransmits = 1; }\nhs_cache_dir = \"" +
                 cache.string() + "\";\n");
  for (const char* module : kDisabledModules)
    dir_.write(std::string("local.d/") + module + ".conf", "enabled = false;\n");

  process_ = std::make_unique<Process>(
      std::vector<std::string>{"rspamd", "-f", "-i", "-c", "/etc/rspamd/rspamd.conf",
                               "--var=LOCAL_CONFDIR=" + dir.string(), "--var=DBDIR=" + (dir / "db").string(),
                               "--var=RUNDIR=" + (dir / "run").string(),
                               "--var=LOGDIR=" + (dir / "log").string()},
      (dir / "stdout.log").string(), (dir / "stderr.log").string());
  // A cold start compiles the TLD list and the regexps into the hyperscan cache: up to a minute when the
  // machine is busy.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (std::chrono::steady_clock::now() < deadline) {
    if (answers_ping(port_)) return;
    if (!process_->running()) throw std::runtime_error("rspamd exited during start-up: " + log());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("rspamd did not answer /ping within 180 s: " + log());
}

RspamdServer::~RspamdServer() {
  if (process_) {
    resume();
    process_->stop(SIGTERM, std::chrono::seconds(5));  // then SIGKILL to the whole group
  }
}

RspamdServer& RspamdServer::shared() {
  static RspamdServer server;
  return server;
}

std::string RspamdServer::log() const {
  return read_file(dir_.path() / "log/rspamd.log") + read_file(dir_.path() / "stderr.log");
}

void RspamdServer::pause() {
  ::kill(-process_->pid(), SIGSTOP);
}

void RspamdServer::resume() {
  ::kill(-process_->pid(), SIGCONT);
}

}  // namespace relay::test
