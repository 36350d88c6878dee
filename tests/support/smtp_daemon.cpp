#include "tests/support/smtp_daemon.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <openssl/ssl.h>

namespace relay::test {

SmtpDaemon::SmtpDaemon(DaemonOptions options)
    : submission_(free_tcp_port()),
      smtps_(free_tcp_port()),
      relay_(free_tcp_port()),
      inbound_(free_tcp_port()) {
  std::ostringstream toml;
  toml << "[server]\nhostname = \"mx.test\"\n"
       << options.extra_server << "\n"
       << "[server.limits]\n"
       << options.limits << "\n"
       << "[server.auth]\nplaintext_on_loopback = " << (options.plaintext_auth_on_loopback ? "true" : "false")
       << "\n";
  for (auto [port, kind] : {std::pair{submission_, "submission"}, std::pair{smtps_, "smtps"},
                            std::pair{relay_, "relay"}, std::pair{inbound_, "inbound"}})
    toml << "[[server.listener]]\naddress = \"127.0.0.1\"\nport = " << port << "\nkind = \"" << kind
         << "\"\n";
  toml << "[spool]\ndirectory = \"" << (dir_.path() / "spool").string() << "\"\n"
       << "[campaigns]\ndatabase = \"" << (dir_.path() / "relayctl.db").string() << "\"\n"
       << "[admin]\nmetrics_listen = \"\"\n"
       << "[dns]\n"
       << (options.dns.empty()
               ? "nameservers = [\"127.0.0.1:" + std::to_string(free_udp_port()) + "\"]\ntimeout = \"1s\"\n"
               : options.dns)
       << "\n"
       << "[delivery]\naccounting_log = \"" << (dir_.path() / "delivery.log").string() << "\"\n"
       << options.delivery << "\n"
       << "[inbound]\ndatabase = \"" << (dir_.path() / "inbound.db").string() << "\"\n"
       << "relay_domains = [\"local.test\"]\n"
       << options.extra;
  config_path_ = dir_.write("relayctl.toml", toml.str()).string();
  auto added = relayctl({"users", "add", "alice", "--allow", "@example.com", "--password-stdin"}, "secret\n");
  if (added.exit_code != 0) throw std::runtime_error("users add failed: " + added.err);
}

SmtpDaemon::~SmtpDaemon() = default;

bool SmtpDaemon::start() {
  ++generation_;
  auto log_file = (dir_.path() / ("serve" + std::to_string(generation_) + ".log")).string();
  process_ = std::make_unique<Process>(
      std::vector<std::string>{relayctl_binary(), "serve", "--config", config_path_}, "", log_file,
      environment_);
  for (auto port : {submission_, smtps_, relay_, inbound_})
    if (!wait_for_port("127.0.0.1", port)) return false;
  auto socket = dir_.path() / "spool" / "control.sock";
  for (int i = 0; i < 200 && !std::filesystem::exists(socket); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return std::filesystem::exists(socket);
}

std::optional<int> SmtpDaemon::stop(int signal) {
  if (!process_) return std::nullopt;
  auto code = process_->stop(signal);
  process_.reset();
  return code;
}

std::string SmtpDaemon::log() const {
  std::string all;
  for (int g = 1; g <= generation_; ++g) {
    std::ifstream in(dir_.path() / ("serve" + std::to_string(g) + ".log"));
    all += std::string((std::istreambuf_iterator<char>(in)), {});
  }
  return all;
}

bool SmtpDaemon::wait_for_empty_queue(std::chrono::seconds limit) const {
  return eventually([this] { return queued_ids().empty(); }, limit);
}

std::vector<nlohmann::json> SmtpDaemon::accounting() const {
  std::vector<nlohmann::json> lines;
  std::ifstream in(dir_.path() / "delivery.log");
  for (std::string line; std::getline(in, line);)
    lines.push_back(nlohmann::json::parse(line));
  return lines;
}

std::string relayctl_binary() {
  const char* other = std::getenv("RELAY_TEST_RELAYCTL");
  return other && *other ? other : RELAYCTL_BINARY;
}

RunResult swaks(std::vector<std::string> args) {
  args.insert(args.begin(), "swaks");
  args.insert(args.end(), {"--timeout", "20", "--hide-informational"});
  return run(args);
}

std::string route_all_to(unsigned short port) {
  return "[[delivery.route]]\ndomain = \"*\"\nnext_hop = \"127.0.0.1:" + std::to_string(port) + "\"\n";
}

DaemonOptions delivering_to(unsigned short port, std::string delivery) {
  DaemonOptions options;
  options.delivery = std::move(delivery);
  options.extra = route_all_to(port);
  return options;
}

bool SmtpDaemon::edit_config(const std::string& from, const std::string& to) {
  std::ifstream in(config_path_);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto at = text.find(from);
  if (at == std::string::npos) return false;
  text.replace(at, from.size(), to);
  std::ofstream(config_path_) << text;
  return true;
}

bool SmtpDaemon::reload() {
  if (!process_) return false;
  auto count = [this](const std::string& event) {
    std::size_t n = 0;
    auto all = log();
    for (auto at = all.find(event); at != std::string::npos; at = all.find(event, at + 1))
      ++n;
    return n;
  };
  auto reloaded = count("serve.reloaded"), failed = count("serve.reload_failed");
  ::kill(process_->pid(), SIGHUP);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (count("serve.reloaded") > reloaded) return true;
    if (count("serve.reload_failed") > failed) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

RunResult SmtpDaemon::relayctl(std::vector<std::string> args, const std::string& input) const {
  args.insert(args.begin(), relayctl_binary());
  args.push_back("--config");
  args.push_back(config_path_);
  RunOptions options;
  options.input = input;
  return run(args, options);
}

std::vector<std::string> SmtpDaemon::queued_ids() const {
  auto result = relayctl({"queue", "list", "--json"});
  std::vector<std::string> ids;
  auto parsed = nlohmann::json::parse(result.out, nullptr, false);
  if (result.exit_code != 0 || !parsed.is_array()) return ids;
  for (const auto& m : parsed)
    ids.push_back(m.at("id").get<std::string>());
  return ids;
}

SmtpClient::~SmtpClient() {
  if (ssl_) SSL_free(static_cast<SSL*>(ssl_));
  if (ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
  if (fd_ >= 0) ::close(fd_);
}

bool SmtpClient::connect(unsigned short port, const std::string& source_address) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  if (!source_address.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source_address.c_str(), &local.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return false;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  return ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

bool SmtpClient::start_tls() {
  auto* ctx = SSL_CTX_new(TLS_client_method());
  ctx_ = ctx;
  auto* ssl = SSL_new(ctx);
  ssl_ = ssl;
  SSL_set_fd(ssl, fd_);
  return SSL_connect(ssl) == 1;
}

std::string SmtpClient::tls_version() const {
  return ssl_ ? SSL_get_version(static_cast<SSL*>(ssl_)) : "";
}

bool SmtpClient::send(const std::string& bytes) {
  if (ssl_)
    return SSL_write(static_cast<SSL*>(ssl_), bytes.data(), static_cast<int>(bytes.size())) ==
           static_cast<int>(bytes.size());
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

int SmtpClient::read_some(char* data, int size, std::chrono::milliseconds timeout) {
  if (ssl_ && SSL_pending(static_cast<SSL*>(ssl_)) > 0) return SSL_read(static_cast<SSL*>(ssl_), data, size);
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return -1;
  if (ssl_) return SSL_read(static_cast<SSL*>(ssl_), data, size);
  return static_cast<int>(::recv(fd_, data, static_cast<std::size_t>(size), 0));
}

std::string SmtpClient::reply(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // A complete reply ends with a line "DDD " or "DDD\r\n".
    std::size_t start = 0;
    while (true) {
      auto end = buffer_.find("\r\n", start);
      if (end == std::string::npos) break;
      if (end - start >= 3 && (end - start == 3 || buffer_[start + 3] == ' ')) {
        std::string reply = buffer_.substr(0, end + 2);
        buffer_.erase(0, end + 2);
        return reply;
      }
      start = end + 2;
    }
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    char chunk[4096];
    int n = read_some(chunk, sizeof chunk, left);
    if (n <= 0) return "";
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string SmtpClient::command(const std::string& line) {
  if (!send(line + "\r\n")) return "";
  return reply();
}

bool SmtpClient::closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    char chunk[4096];
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int n = read_some(chunk, sizeof chunk, left);
    if (n == 0) return true;
    if (n < 0) return !ssl_ ? false : SSL_get_error(static_cast<SSL*>(ssl_), n) == SSL_ERROR_ZERO_RETURN;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  return false;
}

int reply_code(const std::string& reply) {
  if (reply.size() < 3) return 0;
  return std::atoi(reply.substr(0, 3).c_str());
}

}  // namespace relay::test
