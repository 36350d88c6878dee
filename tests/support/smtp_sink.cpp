#include "tests/support/smtp_sink.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace relay::test {

SmtpSink::SmtpSink(std::vector<std::string> flags) : port_(free_tcp_port()) {
  auto dumps = dir_.path() / "dump";
  std::filesystem::create_directories(dumps);
  std::vector<std::string> argv{"smtp-sink"};
  if (geteuid() ==
      0) {  // smtp-sink refuses to run as root without -u; the dump directory must suit that user
    argv.insert(argv.end(), {"-u", "nobody"});
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::all);
    std::filesystem::permissions(dumps, std::filesystem::perms::all);
  }
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(),
              {"-d", (dumps / "%Y%m%d%H%M%S.").string(), "127.0.0.1:" + std::to_string(port_), "64"});
  process_ = std::make_unique<Process>(argv, "", (dir_.path() / "sink.err").string());
  if (!wait_for_port("127.0.0.1", port_))
    throw std::runtime_error("smtp-sink did not start (is postfix installed?)");
}

std::vector<std::string> SmtpSink::messages() const {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "dump"))
    files.push_back(entry.path());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    return std::filesystem::last_write_time(a) < std::filesystem::last_write_time(b);
  });
  std::vector<std::string> out;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back(text.str());
  }
  return out;
}

}  // namespace relay::test
