// nsd_server.hpp — a private NSD for tests, serving the given zones on 127.0.0.1 and a free port (UDP and
// TCP), as DESIGN.md's "Test peers" says: no user switch, no database, pid/log/state in a temp dir, remote
// control off. The constructor returns once the server answers; the destructor kills it.
//   relay::test::NsdServer dns({{"example.test", "@ MX 10 mx\nmx A 192.0.2.25\n"}});
//   ... --nameserver 127.0.0.1:<dns.port()> ...  or dns.endpoint() for a NetworkResolver.
// Zone text is relative to the zone's origin ($ORIGIN and $TTL 300 are prepended); without an SOA record
// a default one is added (negative TTL 60) with an NS record. Throws std::runtime_error if nsd fails.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace relay::test {

struct Zone {
  std::string name;  // "example.test"
  std::string text;  // zone file body
};

class NsdServer {
 public:
  explicit NsdServer(std::vector<Zone> zones);
  unsigned short port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }  // for --nameserver
  std::string log() const;                                                      // nsd's log so far
  void stop();  // kill it now (to test what a resolver does when the server goes away)

 private:
  TempDir dir_;
  unsigned short port_ = 0;
  std::unique_ptr<Process> process_;
};

// A UDP "nameserver" on 127.0.0.1 that reads every query and never answers: for timeout tests.
class SilentDnsServer {
 public:
  SilentDnsServer();
  ~SilentDnsServer();
  SilentDnsServer(const SilentDnsServer&) = delete;
  SilentDnsServer& operator=(const SilentDnsServer&) = delete;
  unsigned short port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::size_t received() const;  // datagrams read so far

 private:
  struct State;
  std::unique_ptr<State> state_;
  unsigned short port_ = 0;
};

}  // namespace relay::test
