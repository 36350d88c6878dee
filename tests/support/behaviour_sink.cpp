#include "tests/support/behaviour_sink.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace relay::test {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

BehaviourSink::BehaviourSink(BehaviourSinkOptions options, unsigned short port)
    : host_(options.host), port_(port ? port : free_tcp_port()) {
  std::vector<std::string> argv{"/usr/bin/python3",
                                RELAY_SOURCE_DIR "/tests/support/behaviour_sink.py",
                                "--host",
                                host_,
                                "--port",
                                std::to_string(port_),
                                "--dir",
                                (dir_.path() / "store").string(),
                                "--slow",
                                std::to_string(options.slow_seconds)};
  if (options.tls) {
    auto cert = dir_.path() / "sink.crt", key = dir_.path() / "sink.key";
    auto made =
        run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key.string(), "-out", cert.string(), "-days", "2", "-subj", "/CN=sink.test"});
    if (made.exit_code != 0) throw std::runtime_error("openssl req failed: " + made.err);
    argv.insert(argv.end(), {"--tls-cert", cert.string(), "--tls-key", key.string()});
  }
  if (options.require_tls) argv.push_back("--require-tls");
  if (!options.pipelining) argv.push_back("--no-pipelining");
  if (!options.eightbitmime) argv.push_back("--no-8bitmime");
  if (options.dsn) argv.push_back("--dsn");
  if (options.max_recipients > 0)
    argv.insert(argv.end(), {"--max-recipients", std::to_string(options.max_recipients), "--too-many-reply",
                             options.too_many_reply});
  if (!options.mail_reply.empty()) argv.insert(argv.end(), {"--mail-reply", options.mail_reply});
  if (!options.replies.empty()) {
    auto file = dir_.path() / "replies.json";
    std::ofstream(file) << nlohmann::json(options.replies).dump();
    argv.insert(argv.end(), {"--replies", file.string()});
  }
  process_ = std::make_unique<Process>(argv, "", (dir_.path() / "sink.err").string());
  if (!wait_for_port(host_, port_))
    throw std::runtime_error("behaviour_sink.py did not start: " + slurp(dir_.path() / "sink.err"));
}

std::vector<BehaviourSink::Stored> BehaviourSink::messages() const {
  std::vector<Stored> out;
  for (int n = 1;; ++n) {
    auto base = dir_.path() / "store" / std::to_string(n);
    if (!std::filesystem::exists(base.string() + ".json")) break;
    auto envelope = nlohmann::json::parse(slurp(base.string() + ".json"));
    out.push_back({envelope["sender"], envelope["recipients"].get<std::vector<std::string>>(),
                   envelope["tls"], slurp(base.string() + ".eml"), envelope.value("peer", ""),
                   envelope.value("helo", ""), envelope.value("commands", std::vector<std::string>{})});
  }
  return out;
}

std::vector<nlohmann::json> BehaviourSink::events() const {
  std::vector<nlohmann::json> out;
  std::ifstream in(dir_.path() / "store" / "events.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_discarded()) break;  // the sink is still writing this line
    out.push_back(std::move(event));
  }
  return out;
}

std::vector<nlohmann::json> BehaviourSink::events(const std::string& kind) const {
  std::vector<nlohmann::json> out;
  for (auto& event : events())
    if (event.value("kind", "") == kind) out.push_back(std::move(event));
  return out;
}

}  // namespace relay::test
