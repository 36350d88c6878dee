// process.hpp — runs real programs from tests: relayctl itself and the peers (nsd, smtp-sink, swaks, ...).
// run() waits for the program and captures its output; Process keeps one running in the background
// (a daemon or a server) and kills its whole process group when destroyed, so no test leaves one behind.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace relay::test {

struct RunResult {
  int exit_code = -1;  // the exit status, or 128 + signal when killed by one, -1 when it could not start
  std::string out;
  std::string err;
  bool timed_out = false;
};

struct RunOptions {
  std::string input;                               // written to the program's stdin, then closed
  std::chrono::milliseconds timeout{60'000};       // killed (SIGKILL) past this
  std::map<std::string, std::string> environment;  // added to (or replacing in) the test's environment
  std::string working_directory;
};

RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});
// The relayctl under test with args, then --config FILE (when config is not empty), input on its stdin.
RunResult run_relayctl(std::vector<std::string> args, const std::filesystem::path& config = {},
                       const std::string& input = "");

class Process {
 public:
  // Starts argv with stdout and stderr going to the given files (empty: /dev/null), with environment
  // added to (or replacing in) the test's.
  Process(const std::vector<std::string>& argv, const std::string& stdout_file = "",
          const std::string& stderr_file = "", const std::map<std::string, std::string>& environment = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends signal to the process group, then waits up to timeout; returns the exit code as run() does.
  std::optional<int> stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Waits until a TCP connection to host:port succeeds (a server is listening), up to timeout.
bool wait_for_port(const std::string& host, unsigned short port,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
// A TCP port that was free on 127.0.0.1 a moment ago (bind to port 0, read it, close).
unsigned short free_tcp_port();

// Polls done every 50 ms until it is true (then true) or limit has passed (then false).
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(15));
unsigned short free_udp_port();

}  // namespace relay::test
