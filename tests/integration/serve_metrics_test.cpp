// The admin listener: Prometheus metrics at GET /metrics ([admin] metrics_listen) counting sessions,
// accepted and refused messages, refusals by reason, AUTH failures, the queue and delivery outcomes; other
// paths get 404, garbage 400.
#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/behaviour_sink.hpp"
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

// Replaces the disabled admin listener of the helper's configuration with one on a free port; that port.
unsigned short enable_metrics(const SmtpDaemon& daemon) {
  unsigned short port = free_tcp_port();
  std::string config;
  {
    std::ifstream in(daemon.config_path());
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  config.replace(config.find("metrics_listen = \"\""), 19,
                 "metrics_listen = \"127.0.0.1:" + std::to_string(port) + "\"");
  std::ofstream(daemon.config_path()) << config;
  return port;
}

TEST(ServeMetrics, CountersAndQueueGauges) {
  SmtpDaemon daemon;
  unsigned short metrics_port = enable_metrics(daemon);
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
  EXPECT_THAT(metrics, HasSubstr("relayctl_smtp_refusals_total{reason=\"bare_lf_data\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("relayctl_smtp_refusals_total{reason=\"untrusted_routing\"} 0\n"));
  EXPECT_THAT(metrics, HasSubstr("relayctl_queue_messages 1\n"));
  EXPECT_THAT(metrics, HasSubstr("# TYPE relayctl_smtp_sessions_total counter"));
  EXPECT_THAT(get_raw(metrics_port, "GET / HTTP/1.1\r\n\r\n"), HasSubstr("404 Not Found"));
  EXPECT_THAT(get_raw(metrics_port, "EHLO me\r\n\r\n"), HasSubstr("400 Bad Request"));
}

// Delivery counters: one delivered and one bounced recipient, the bounce's DSN (delivered too), and the
// connections the engine opened, as the accounting log counts them.
TEST(ServeMetrics, DeliveryCounters) {
  BehaviourSink sink;
  DaemonOptions options;
  options.extra =
      "[[delivery.route]]\ndomain = \"*\"\nnext_hop = \"127.0.0.1:" + std::to_string(sink.port()) + "\"\n";
  SmtpDaemon daemon(options);
  unsigned short metrics_port = enable_metrics(daemon);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  ASSERT_TRUE(wait_for_port("127.0.0.1", metrics_port));
  auto sent = run({"swaks", "--server", "127.0.0.1:" + std::to_string(daemon.relay_port()), "--from",
                   "a@example.com", "--to", "accept@dest.test,reject@dest.test", "--hide-all"});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!daemon.queued_ids().empty() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(daemon.queued_ids().empty()) << daemon.log();

  auto metrics = get_raw(metrics_port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(metrics, HasSubstr("# TYPE relayctl_delivery_attempts_total counter\n"));
  EXPECT_THAT(metrics, HasSubstr("relayctl_delivery_attempts_total{result=\"delivered\"} 2\n"));  // + the DSN
  EXPECT_THAT(metrics, HasSubstr("relayctl_delivery_attempts_total{result=\"bounced\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("relayctl_delivery_attempts_total{result=\"deferred\"} 0\n"));
  EXPECT_THAT(metrics, HasSubstr("relayctl_delivery_attempts_total{result=\"expired\"} 0\n"));
  EXPECT_THAT(metrics, HasSubstr("relayctl_delivery_dsns_total 1\n"));
  EXPECT_THAT(metrics, ::testing::ContainsRegex("relayctl_delivery_connections_total [12]\n"));
  EXPECT_THAT(metrics, HasSubstr("relayctl_queue_messages 0\n"));
}

}  // namespace
