#include "tests/support/process.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <signal.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace relay::test {
namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test that crashes takes its servers with it
  std::vector<char*> args;
  for (const auto& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
  _exit(127);
}

void set_nonblocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// A port below the kernel's ephemeral range (ip_local_port_range, 32768-60999 by default): a port the
// kernel hands out for port 0 can be taken again by any outgoing connection before the test's server
// binds it. Ports are handed out in sequence from a random start in [20000, 32767], each checked bindable:
// never the same port twice in one process, and tests running in parallel start far apart.
unsigned short free_port(int type) {
  constexpr int kFirst = 20000, kLast = 32767;
  static std::mutex mutex;
  static int next = [] {
    std::mt19937 random(static_cast<unsigned>(getpid()) ^
                        static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
    return std::uniform_int_distribution<int>(kFirst, kLast)(random);
  }();
  std::lock_guard lock(mutex);
  for (int attempt = 0; attempt <= kLast - kFirst; ++attempt) {
    auto port = static_cast<unsigned short>(next);
    next = next == kLast ? kFirst : next + 1;
    int fd = socket(AF_INET, type, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    bool free = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    if (free) return port;
  }
  throw std::runtime_error("no free port in 20000-32767");
}

}  // namespace

RunResult run_relayctl(std::vector<std::string> args, const std::filesystem::path& config,
                       const std::string& input) {
  args.insert(args.begin(), RELAYCTL_BINARY);
  if (!config.empty()) args.insert(args.end(), {"--config", config.string()});
  RunOptions options;
  options.input = input;
  return run(args, options);
}

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
  RunResult result;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) || pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    for (const auto& [name, value] : options.environment)
      setenv(name.c_str(), value.c_str(), 1);
    if (!options.working_directory.empty() && chdir(options.working_directory.c_str()) != 0) _exit(127);
    exec_child(argv);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  set_nonblocking(in_pipe[1]);
  set_nonblocking(out_pipe[0]);
  set_nonblocking(err_pipe[0]);

  std::size_t written = 0;
  int in_fd = in_pipe[1];
  if (options.input.empty()) close(in_fd), in_fd = -1;
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  char buffer[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(-pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    int ready = poll(fds, 3, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out_fd : err_fd;
      if (fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fd, buffer, sizeof buffer);
      if (n > 0)
        (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        close(fd), fd = -1;
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in_fd, options.input.data() + written, options.input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == options.input.size())
        close(in_fd), in_fd = -1;
    }
  }
  if (in_fd >= 0) close(in_fd);
  if (out_fd >= 0) close(out_fd);
  if (err_fd >= 0) close(err_fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = decode_status(status);
  return result;
}

Process::Process(const std::vector<std::string>& argv, const std::string& stdout_file,
                 const std::string& stderr_file, const std::map<std::string, std::string>& environment) {
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    setpgid(0, 0);
    int null_in = open("/dev/null", O_RDONLY);
    dup2(null_in, 0);
    auto redirect = [](const std::string& file, int target) {
      int fd = open(file.empty() ? "/dev/null" : file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) dup2(fd, target);
    };
    redirect(stdout_file, 1);
    redirect(stderr_file, 2);
    for (const auto& [name, value] : environment)
      setenv(name.c_str(), value.c_str(), 1);
    exec_child(argv);
  }
  setpgid(pid_, pid_);
}

Process::~Process() {
  if (pid_ > 0 && !exit_code_) stop(SIGKILL);
}

bool Process::running() {
  if (exit_code_) return false;
  int status = 0;
  pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    exit_code_ = decode_status(status);
    return false;
  }
  return true;
}

std::optional<int> Process::stop(int signal, std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  kill(-pid_, signal);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      kill(-pid_, SIGKILL);  // anything the process left in its group
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(-pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_code_ = decode_status(status);
  return std::nullopt;
}

bool wait_for_port(const std::string& host, unsigned short port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &address.sin_addr);
    bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    if (connected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

unsigned short free_tcp_port() {
  return free_port(SOCK_STREAM);
}
unsigned short free_udp_port() {
  return free_port(SOCK_DGRAM);
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace relay::test
