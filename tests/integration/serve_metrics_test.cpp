// The admin listener: Prometheus metrics at GET /metrics ([admin] metrics_listen) counting sessions,
// accepted and refused messages, AUTH failures and the queue; other paths get 404, garbage 400.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

std::string get_raw(unsigned short port, const std::string& request) {
  auto result = run(
      {"python3", "-c",
       "import socket,sys\ns=socket.create_connection(('127.0.0.1'," + std::to_string(port) +
           "))\ns.sendall(sys.argv[1].encode())\nd=b''\nwhile True:\n x=s.recv(65536)\n if not x: break\n "
           "d+=x\nsys.stdout.write(d.decode())",
       request});
  return result.out;
}

TEST(ServeMetrics, CountersAndQueueGauges) {
  unsigned short metrics_port = free_tcp_port();
  SmtpDaemon daemon;
  // Replace the disabled admin listener of the helper's configuration with one on a free port.
  std::string config;
  {
    std::ifstream in(daemon.config_path());
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  config.replace(config.find("metrics_listen = \"\""), 19,
                 "metrics_listen = \"127.0.0.1:" + std::to_string(metrics_port) + "\"");
  std::ofstream(daemon.config_path()) << config;
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_TRUE(wait_for_port("127.0.0.1", metrics_port));

  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.relay_port()));
  client.reply();
  client.command("EHLO c.test");
  client.command("MAIL FROM:<a@example.com>");
  client.command("RCPT TO:<b@far.test>");
  client.command("DATA");
  ASSERT_THAT(client.command("Subject: m\r\n\r\nhi\r\n."), HasSubstr("250 2.0.0"));
  client.command("MAIL FROM:<a@example.com>");
  client.command("RCPT TO:<b@far.test>");
  client.command("DATA");
  ASSERT_THAT(client.command("Subject: m\r\n\r\nbare\nlf\r\n."), HasSubstr("550"));

  auto metrics = get_raw(metrics_port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(metrics, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(metrics, HasSubstr("relayctl_smtp_messages_accepted_total 1\n"));
  EXPECT_THAT(metrics, HasSubstr("relayctl_smtp_messages_refused_total 1\n"));
  EXPECT_THAT(metrics, HasSubstr("relayctl_queue_messages 1\n"));
  EXPECT_THAT(metrics, HasSubstr("# TYPE relayctl_smtp_sessions_total counter"));
  EXPECT_THAT(get_raw(metrics_port, "GET / HTTP/1.1\r\n\r\n"), HasSubstr("404 Not Found"));
  EXPECT_THAT(get_raw(metrics_port, "EHLO me\r\n\r\n"), HasSubstr("400 Bad Request"));
}

}  // namespace
