#include "tests/support/clamd_server.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/peer_socket.hpp"

namespace relay::test {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : bytes)
    out += {kDigits[byte >> 4], kDigits[byte & 15]};
  return out;
}

bool pong(const std::string& reply) {
  return reply.starts_with("PONG");
}

}  // namespace

std::string eicar_test_file() {
  std::string first = R"(X5O!P%@AP[4\PZX54(P^)7CC)7}$)";
  return first + R"(EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)";
}

ClamdServer::ClamdServer() {
  const auto& dir = dir_.path();
  std::filesystem::create_directories(dir / "db");
  std::filesystem::create_directories(dir / "tmp");
  std::string eicar = eicar_test_file();
  auto sample = dir_.write("eicar.com", eicar);

  auto md5 = run({"sigtool", "--md5", sample.string()});
  auto last_colon = md5.out.rfind(':');
  if (md5.exit_code != 0 || last_colon == std::string::npos)
    throw std::runtime_error("sigtool --md5 failed: " + md5.err + md5.out);
  // sigtool names the signature after the file; the third field is the name clamd reports.
  dir_.write("db/test.hdb", md5.out.substr(0, last_colon + 1) + "Eicar-Test-Signature\n");
  dir_.write("db/test.ndb", "Eicar-Test-Signature-NDB:0:*:" + hex(eicar.substr(0, 40)) + "\n");

  for (int attempt = 0; attempt < 5; ++attempt)
    if (start()) return;
  throw std::runtime_error("clamd could not bind a free TCP port in 5 attempts: " + log());
}

bool ClamdServer::start() {
  const auto& dir = dir_.path();
  process_.reset();
  std::filesystem::remove(dir / "clamd.log");
  port_ = free_tcp_port();
  std::ostringstream conf;
  conf << "Foreground yes\n"
       << "DatabaseDirectory " << (dir / "db").string() << "\n"
       << "LocalSocket " << socket_path() << "\n"
       << "TCPSocket " << port_ << "\nTCPAddr 127.0.0.1\n"
       << "PidFile " << (dir / "clamd.pid").string() << "\n"
       << "LogFile " << (dir / "clamd.log").string() << "\nLogTime yes\n"
       << "TemporaryDirectory " << (dir / "tmp").string() << "\n"
       << "SelfCheck 0\n"
       << "StreamMaxLength " << kClamdStreamMaxLength / 1024 << "K\n";
  auto conf_path = dir_.write("clamd.conf", conf.str());
  process_ = std::make_unique<Process>(std::vector<std::string>{"clamd", "-c", conf_path.string()},
                                       (dir / "stdout.log").string(), (dir / "stderr.log").string());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const std::string ping("zPING", 6);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->running()) throw std::runtime_error("clamd exited during start-up: " + log());
    if (pong(exchange_unix(socket_path(), ping, std::chrono::milliseconds(1000)))) {
      // With a LocalSocket, clamd keeps running when its TCP port is taken (PEERS.md §3).
      if (read_file(dir / "clamd.log").find("Cannot bind") != std::string::npos) return false;
      if (pong(exchange_tcp("127.0.0.1", port_, ping, std::chrono::milliseconds(1000)))) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("clamd did not answer zPING within 60 s: " + log());
}

ClamdServer::~ClamdServer() {
  if (process_) {
    resume();
    process_->stop(SIGTERM, std::chrono::seconds(5));
  }
}

ClamdServer& ClamdServer::shared() {
  static ClamdServer server;
  return server;
}

std::string ClamdServer::socket_path() const {
  return (dir_.path() / "clamd.sock").string();
}

std::string ClamdServer::log() const {
  return read_file(dir_.path() / "clamd.log") + read_file(dir_.path() / "stderr.log");
}

void ClamdServer::pause() {
  ::kill(-process_->pid(), SIGSTOP);
}

void ClamdServer::resume() {
  ::kill(-process_->pid(), SIGCONT);
}

}  // namespace relay::test
