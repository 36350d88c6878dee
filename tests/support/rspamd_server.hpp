// rspamd_server.hpp — a private rspamd for tests (../shared/PEERS.md §1): the packaged
// /etc/rspamd/rspamd.conf with LOCAL_CONFDIR, DBDIR, RUNDIR and LOGDIR redirected to a temp dir, one normal
// worker on 127.0.0.1 and a free port, controller and proxy off, every module that would look anything up
// on the network off, DNS pointed at 127.0.0.1:9 (nothing leaves loopback). The hyperscan cache is shared
// in the build tree (RELAY_RSPAMD_HS_CACHE), so only the first start compiles (10-60 s); later ones take
// about a second. The constructor returns once /ping answers "pong"; the destructor stops the whole
// process group (rspamd's workers outlive a killed main process). Throws std::runtime_error on failure.
//   auto& rspamd = relay::test::RspamdServer::shared();  // one per test binary, stopped at exit
#pragma once

#include <memory>
#include <string>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace relay::test {

class RspamdServer {
 public:
  RspamdServer();
  ~RspamdServer();
  RspamdServer(const RspamdServer&) = delete;
  RspamdServer& operator=(const RspamdServer&) = delete;

  // The instance every test of this binary shares, started on first use.
  static RspamdServer& shared();

  unsigned short port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }  // [inbound] rspamd address
  std::string log() const;

  // Stops (SIGSTOP) and resumes (SIGCONT) every rspamd process: while paused the kernel still accepts
  // connections, but nothing answers — a scanner that is too slow.
  void pause();
  void resume();

 private:
  TempDir dir_;
  unsigned short port_ = 0;
  std::unique_ptr<Process> process_;
};

// The GTUBE line (rspamd scores a message containing it 15, action reject).
inline constexpr const char* kGtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

}  // namespace relay::test
