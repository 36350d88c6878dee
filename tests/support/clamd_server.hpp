// clamd_server.hpp — a private clamd for tests (../shared/PEERS.md §3), listening on a unix socket in a
// temp dir and on 127.0.0.1 and a free port, with a signature database the test builds itself (this
// machine cannot download the public one): the EICAR test file, assembled at run time from two halves so
// the repository never holds it whole, as an MD5 signature made by `sigtool --md5` (test.hdb) and as a
// body signature on its first 40 bytes (test.ndb, which also matches inside a base64 MIME part).
// StreamMaxLength is set small (kClamdStreamMaxLength) so tests can exceed it. The constructor returns
// once both sockets answer zPING; the destructor stops clamd. Throws std::runtime_error on failure.
//   auto& clamd = relay::test::ClamdServer::shared();  // one per test binary, stopped at exit
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace relay::test {

inline constexpr std::size_t kClamdStreamMaxLength = 256 * 1024;

// The 68-byte EICAR anti-virus test file.
std::string eicar_test_file();

class ClamdServer {
 public:
  ClamdServer();
  ~ClamdServer();
  ClamdServer(const ClamdServer&) = delete;
  ClamdServer& operator=(const ClamdServer&) = delete;

  // The instance every test of this binary shares, started on first use.
  static ClamdServer& shared();

  std::string tcp_address() const { return "127.0.0.1:" + std::to_string(port_); }  // [inbound] clamd
  std::string unix_address() const { return "unix:" + socket_path(); }              // ... or this
  std::string socket_path() const;
  unsigned short port() const { return port_; }
  std::string log() const;

  // SIGSTOP / SIGCONT: while paused, connections are accepted by the kernel and never answered.
  void pause();
  void resume();

 private:
  bool start();  // false: the TCP port was taken meanwhile (try another)

  TempDir dir_;
  unsigned short port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace relay::test
