// `relayctl serve` as an operator runs it: SIGTERM drains (idle sessions get 421, the daemon exits 0, the
// queue is kept), SIGHUP reloads the configuration for new sessions, a port in use or a bad
// configuration exits 2 with a message saying what to fix, and accepted mail stays queued across restarts.
#include <fstream>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using ::testing::HasSubstr;

void send_one(unsigned short port) {
  SmtpClient client;
  ASSERT_TRUE(client.connect(port));
  client.reply();
  client.command("EHLO c.test");
  client.command("MAIL FROM:<a@example.com>");
  client.command("RCPT TO:<b@far.test>");
  client.command("DATA");
  ASSERT_THAT(client.command("Subject: s\r\n\r\nhi\r\n."), HasSubstr("250 2.0.0"));
}

TEST(Serve, SigtermDrainsAndKeepsTheQueue) {
  SmtpDaemon daemon;
  ASSERT_TRUE(daemon.start()) << daemon.log();
  send_one(daemon.relay_port());
  SmtpClient idle;
  ASSERT_TRUE(idle.connect(daemon.relay_port()));
  idle.reply();
  idle.command("EHLO c.test");
  auto code = daemon.stop(SIGTERM);
  EXPECT_EQ(code, 0) << daemon.log();
  EXPECT_THAT(idle.reply(), HasSubstr("421 4.3.2"));
  EXPECT_THAT(daemon.log(), HasSubstr("serve.draining")) << daemon.log();

  ASSERT_TRUE(daemon.start()) << daemon.log();
  EXPECT_EQ(daemon.queued_ids().size(), 1u);  // until delivery lands, accepted mail stays queued
  EXPECT_THAT(daemon.log(), HasSubstr("spool.recovered"));
}

TEST(Serve, SighupReloadsLimitsForNewSessions) {
  DaemonOptions options;
  options.limits = "max_recipients = 5\n";
  SmtpDaemon daemon(options);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  {
    std::ifstream in(daemon.config_path());
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text.replace(text.find("max_recipients = 5"), 18, "max_recipients = 1");
    std::ofstream(daemon.config_path()) << text;
  }
  auto pid = run({"pgrep", "-f", "serve --config " + daemon.config_path()});
  ASSERT_EQ(pid.exit_code, 0);
  run({"kill", "-HUP", pid.out.substr(0, pid.out.find('\n'))});
  for (int i = 0; i < 100 && daemon.log().find("serve.reloaded") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_THAT(daemon.log(), HasSubstr("serve.reloaded"));
  SmtpClient client;
  ASSERT_TRUE(client.connect(daemon.relay_port()));
  client.reply();
  client.command("EHLO c.test");
  client.command("MAIL FROM:<a@example.com>");
  EXPECT_EQ(reply_code(client.command("RCPT TO:<one@far.test>")), 250);
  EXPECT_THAT(client.command("RCPT TO:<two@far.test>"), HasSubstr("452 4.5.3"));
}

TEST(Serve, PortInUseExitsTwoNamingThePort) {
  asio::io_context io;
  asio::ip::tcp::acceptor taken(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto port = taken.local_endpoint().port();
  TempDir dir;
  auto config = dir.write(
      "c.toml", "[[server.listener]]\naddress = \"127.0.0.1\"\nport = " + std::to_string(port) +
                    "\nkind = \"relay\"\n[spool]\ndirectory = \"" + (dir.path() / "spool").string() +
                    "\"\n[campaigns]\ndatabase = \"" + (dir.path() / "db.sqlite").string() + "\"\n");
  RunOptions options;
  options.timeout = std::chrono::seconds(20);
  auto result = run({RELAYCTL_BINARY, "serve", "--config", config.string()}, options);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("cannot listen on 127.0.0.1 port " + std::to_string(port)));
}

TEST(Serve, BadConfigurationExitsTwo) {
  TempDir dir;
  auto config = dir.write("c.toml", "[server.limits]\nmax_recipients = 0\n");
  auto result = run({RELAYCTL_BINARY, "serve", "--config", config.string()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("server.limits.max_recipients"));
}

TEST(Serve, HelpDescribesSignals) {
  auto result = run({RELAYCTL_BINARY, "serve", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("SIGHUP"));
  EXPECT_THAT(result.out, HasSubstr("--config"));
}

}  // namespace
