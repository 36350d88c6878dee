// A configured certificate ([server.tls]) is what clients see, and SIGHUP loads a replaced certificate
// for new sessions without a restart. Certificates made with `openssl req` for the test.
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

bool make_certificate(const std::filesystem::path& dir, const std::string& name) {
  auto result = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-days", "2", "-subj", "/CN=" + name, "-keyout", (dir / "key.pem").string(),
                     "-out", (dir / "cert.pem").string()});
  return result.exit_code == 0;
}

std::string presented_name(unsigned short port) {
  RunOptions options;
  options.input = "QUIT\r\n";
  options.timeout = std::chrono::seconds(20);
  auto result = run({"openssl", "s_client", "-starttls", "smtp", "-connect",
                     "127.0.0.1:" + std::to_string(port), "-ign_eof"},
                    options);
  auto at = result.out.find("subject=CN = ");
  return at == std::string::npos ? "" : result.out.substr(at + 13, result.out.find('\n', at) - at - 13);
}

TEST(ServeTls, ConfiguredCertificateAndReloadOnSighup) {
  TempDir certs;
  ASSERT_TRUE(make_certificate(certs.path(), "first.test"));
  DaemonOptions options;
  options.extra_server = "[server.tls]\ncertificate = \"" + (certs.path() / "cert.pem").string() +
                         "\"\nkey = \"" + (certs.path() / "key.pem").string() + "\"\n";
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  EXPECT_EQ(presented_name(daemon.submission_port()), "first.test");

  ASSERT_TRUE(make_certificate(certs.path(), "second.test"));
  auto pid = run({"pgrep", "-f", "serve --config " + daemon.config_path()});
  ASSERT_EQ(pid.exit_code, 0);
  run({"kill", "-HUP", pid.out.substr(0, pid.out.find('\n'))});
  for (int i = 0; i < 100 && daemon.log().find("serve.reloaded") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(presented_name(daemon.submission_port()), "second.test") << daemon.log();
}

}  // namespace
