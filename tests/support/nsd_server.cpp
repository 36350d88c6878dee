#include "tests/support/nsd_server.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace relay::test {

namespace {

std::string zone_file(const Zone& zone) {
  std::string origin = zone.name + ".";
  std::string out = "$ORIGIN " + origin + "\n$TTL 300\n";
  if (zone.text.find("SOA") == std::string::npos)
    out += "@ 300 IN SOA ns." + origin + " hostmaster." + origin + " 1 3600 900 604800 60\n@ IN NS ns." +
           origin + "\n";
  return out + zone.text + "\n";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

NsdServer::NsdServer(std::vector<Zone> zones) {
  const auto& dir = dir_.path();
  for (int tries = 0; tries < 20 && port_ == 0; ++tries) {
    unsigned short candidate = free_udp_port();
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(candidate);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) port_ = candidate;
    close(probe);
  }
  if (port_ == 0) throw std::runtime_error("no free port for nsd");

  std::ostringstream conf;
  conf << "server:\n"
       << "  ip-address: 127.0.0.1@" << port_ << "\n"
       << "  port: " << port_ << "\n"
       << "  username: \"\"\n  chroot: \"\"\n  database: \"\"\n"
       << "  zonesdir: \"" << dir.string() << "\"\n"
       << "  zonelistfile: \"" << (dir / "zone.list").string() << "\"\n"
       << "  xfrdfile: \"" << (dir / "xfrd.state").string() << "\"\n"
       << "  xfrdir: \"" << dir.string() << "\"\n"
       << "  pidfile: \"" << (dir / "nsd.pid").string() << "\"\n"
       << "  logfile: \"" << (dir / "nsd.log").string() << "\"\n"
       << "  server-count: 1\n  verbosity: 1\n  hide-version: yes\n"
       << "remote-control:\n  control-enable: no\n";
  for (const auto& zone : zones) {
    std::string file = zone.name + ".zone";
    dir_.write(file, zone_file(zone));
    conf << "zone:\n  name: \"" << zone.name << "\"\n  zonefile: \"" << (dir / file).string() << "\"\n";
  }
  auto conf_path = dir_.write("nsd.conf", conf.str());

  auto check = run({"nsd-checkconf", conf_path.string()});
  if (check.exit_code != 0)
    throw std::runtime_error("nsd-checkconf rejected the test configuration: " + check.err + check.out);
  process_ = std::make_unique<Process>(std::vector<std::string>{"nsd", "-d", "-c", conf_path.string()}, "",
                                       (dir / "nsd.stderr").string());
  std::string probe_zone = zones.empty() ? "." : zones.front().name;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  // nsd binds its TCP and UDP sockets together; a query sent before that would only time out.
  if (!wait_for_port("127.0.0.1", port_, std::chrono::seconds(15)))
    throw std::runtime_error("nsd did not start listening: " + log());
  RunOptions quick;
  quick.timeout = std::chrono::milliseconds(1000);
  while (std::chrono::steady_clock::now() < deadline) {
    auto answer = run({"drill", "-p", std::to_string(port_), "@127.0.0.1", probe_zone, "SOA"}, quick);
    if (answer.exit_code == 0 && answer.out.find("rcode: NOERROR") != std::string::npos) return;
    if (!process_->running())
      throw std::runtime_error("nsd exited: " + read_file(dir / "nsd.stderr") + read_file(dir / "nsd.log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("nsd did not answer within 15 s: " + log());
}

std::string NsdServer::log() const {
  return read_file(dir_.path() / "nsd.log") + read_file(dir_.path() / "nsd.stderr");
}

void NsdServer::stop() {
  process_.reset();
}

struct SilentDnsServer::State {
  int fd = -1;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> received{0};
  std::thread reader;
};

SilentDnsServer::SilentDnsServer() : state_(std::make_unique<State>()) {
  state_->fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (state_->fd < 0 || bind(state_->fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(state_->fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1");
  port_ = ntohs(address.sin_port);
  State* state = state_.get();
  state_->reader = std::thread([state] {
    char buffer[65536];
    while (!state->stopping) {
      pollfd fd{state->fd, POLLIN, 0};
      if (poll(&fd, 1, 50) > 0 && recv(state->fd, buffer, sizeof buffer, 0) >= 0) ++state->received;
    }
  });
}

SilentDnsServer::~SilentDnsServer() {
  state_->stopping = true;
  state_->reader.join();
  close(state_->fd);
}

std::size_t SilentDnsServer::received() const {
  return state_->received;
}

}  // namespace relay::test
