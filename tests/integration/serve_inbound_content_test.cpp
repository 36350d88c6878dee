// The cloaking side's connect and end-of-DATA checks through `relayctl serve` with real peers: a private
// rspamd and clamd (started once for this binary), NSD serving SPF, DKIM and DMARC records and a
// blocklist, and behaviour sinks as the customer's backends. GTUBE tagged, rejected or discarded by level;
// EICAR refused; a scanner down giving 451 or an unscanned header; Authentication-Results for signed and
// forged mail, a forged one of ours removed, DMARC p=reject refused when the domain asks; a listed client
// refused at connect; a connection flood from one address limited while another is served.
// Clients are untrusted (trusted_networks = []), greylisting is off for these domains.
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dkim/signer.hpp"
#include "dns/base64.hpp"
#include "dkim/signing_table.hpp"
#include "tests/support/behaviour_sink.hpp"
#include "tests/support/campaign_seed.hpp"
#include "tests/support/clamd_server.hpp"
#include "tests/support/dkim_tools.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/rspamd_server.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace {

using namespace relay::test;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string kGtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

// serve.test: SPF passes for loopback, DKIM key s1 (tests/fixtures/dkim/rsa2048.pem), DMARC p=reject.
// forged.test: DMARC p=reject, SPF fails for loopback. bl.test lists 127.0.0.2.
std::vector<Zone> zones() {
  return {
      {"serve.test",
       "@ TXT \"v=spf1 ip4:127.0.0.0/8 -all\"\n"
       "_dmarc TXT \"v=DMARC1; p=reject\"\n"
       "s1._domainkey TXT ( \"v=DKIM1; k=rsa; "
       "p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArt0zntR/X1vIq8rHtb7yV+kuoT+1DbYjWsDaP3OquXTzJ/0uEP5ZN/"
       "dd+KEvlkjJfDk3WjQz3529Y9VAEpJgJebGL0YLSpg/4T/NfYhDrR57SOUOM9Rjpw2/BQeVGSNiKYwwYYxHzuVmnbdEozSBCce90khIVRz/"
       "M6vMFmiWWgxcT+ZaE9b/6Brgy9qV5CfoH\" "
       "\"znvZmFlGQE5ouL7+yoal1dHGcRjYuJ9K4sGq9Z8fm290iExhPxrFK7/KsQOJpG3F5rdci1TccSSsP9LFvZjsljzhEtgmNg2pEev9DnNLPgN/"
       "MLkrmRppqs57XdB/tKrKJhLcHll0kTYUIRGJQ5L8wIDAQAB\" )\n"},
      {"forged.test", "@ TXT \"v=spf1 -all\"\n_dmarc TXT \"v=DMARC1; p=reject\"\n"},
      {"bl.test", "2.0.0.127 A 127.0.0.2\n2.0.0.127 TXT \"listed for testing\"\n"},
  };
}

std::string domain(const std::string& name, unsigned short backend, const std::string& settings) {
  return "[[inbound.domain]]\nname = \"" + name + "\"\ngreylist = false\n" + settings +
         "\n[[inbound.domain.backend]]\nhost = \"127.0.0.1:" + std::to_string(backend) + "\"\n";
}

struct Sent {
  std::string rcpt;
  std::string data;  // the reply after the final dot
};

Sent send(unsigned short port, const std::string& from, const std::string& to, const std::string& message,
          const std::string& source = "") {
  Sent s;
  SmtpClient client;
  if (!client.connect(port, source)) return s;
  client.reply();
  client.command("EHLO client.example");
  client.command("MAIL FROM:<" + from + ">");
  s.rcpt = client.command("RCPT TO:<" + to + ">");
  if (reply_code(s.rcpt) == 250 && reply_code(client.command("DATA")) == 354) {
    client.send(message + ".\r\n");
    s.data = client.reply();
  }
  client.command("QUIT");
  return s;
}

std::string message(const std::string& from, const std::string& subject, const std::string& body,
                    const std::string& extra = "") {
  return extra + "From: <" + from + ">\r\nTo: <reader@customer.test>\r\nSubject: " + subject +
         "\r\nDate: Sun, 06 Dec 2026 12:00:00 +0000\r\nMessage-ID: <" + subject.substr(0, 4) +
         "@client.example>\r\nMIME-Version: 1.0\r\n\r\n" + body + "\r\n";
}

std::string eicar_message() {
  std::string attachment = base64::encode(eicar_test_file());
  return "From: <alice@serve.test>\r\nTo: <reader@customer.test>\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee the "
         "attachment.\r\n--b\r\nContent-Type: application/octet-stream; name=\"eicar.com\"\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n" +
         attachment + "\r\n--b--\r\n";
}

std::string header_of(const std::string& data) { return data.substr(0, data.find("\r\n\r\n") + 2); }

class ServeInboundContent : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rspamd_ = &RspamdServer::shared();
    clamd_ = &ClamdServer::shared();
    dns_ = new NsdServer(zones());
  }
  static void TearDownTestSuite() { delete dns_; }

  DaemonOptions options(const std::string& domains, const std::string& inbound = "") const {
    DaemonOptions o;
    o.extra_server = "trusted_networks = []\n";
    o.dns = "nameservers = [\"" + dns_->address() + "\"]\ntimeout = \"2s\"\n";
    o.extra = "[inbound.rspamd]\naddress = \"" + rspamd_->address() + "\"\n[inbound.clamd]\naddress = \"" +
              clamd_->unix_address() + "\"\n" + inbound + domains;
    return o;
  }

  static RspamdServer* rspamd_;
  static ClamdServer* clamd_;
  static NsdServer* dns_;
};
RspamdServer* ServeInboundContent::rspamd_ = nullptr;
ClamdServer* ServeInboundContent::clamd_ = nullptr;
NsdServer* ServeInboundContent::dns_ = nullptr;

TEST_F(ServeInboundContent, GtubeIsRejectedTaggedOrDiscardedByItsLevelsAction) {
  BehaviourSink backend;
  SmtpDaemon daemon(options(domain("local.test", backend.port(), "spam = { enabled = true }") +
                            domain("tag.test", backend.port(),
                                   "[inbound.domain.spam]\nenabled = true\nhigh = { action = \"tag\" }") +
                            domain("drop.test", backend.port(),
                                   "[inbound.domain.spam]\nenabled = true\nhigh = { action = \"discard\" }")));
  ASSERT_TRUE(daemon.start()) << daemon.log();

  auto rejected = send(daemon.inbound_port(), "alice@serve.test", "reader@local.test",
                       message("alice@serve.test", "offer", kGtube));
  EXPECT_EQ(rejected.data, "550 5.7.1 Message refused as spam\r\n");
  auto tagged = send(daemon.inbound_port(), "alice@serve.test", "reader@tag.test",
                     message("alice@serve.test", "offer", kGtube));
  EXPECT_THAT(tagged.data, StartsWith("250"));
  auto dropped = send(daemon.inbound_port(), "alice@serve.test", "reader@drop.test",
                      message("alice@serve.test", "offer", kGtube));
  EXPECT_THAT(dropped.data, StartsWith("250"));
  auto clean = send(daemon.inbound_port(), "alice@serve.test", "reader@local.test",
                    message("alice@serve.test", "lunch", "Shall we meet at noon?"));
  EXPECT_THAT(clean.data, StartsWith("250"));

  ASSERT_TRUE(eventually([&] { return backend.messages().size() == 2; })) << daemon.log();
  ASSERT_TRUE(daemon.wait_for_empty_queue(10s));
  auto messages = backend.messages();
  ASSERT_EQ(messages.size(), 2u) << "the discarded message never reaches the backend";
  const auto& tagged_message = messages[0].recipients[0] == "reader@tag.test" ? messages[0] : messages[1];
  const auto& clean_message = messages[0].recipients[0] == "reader@tag.test" ? messages[1] : messages[0];
  EXPECT_THAT(header_of(tagged_message.data), HasSubstr("Subject: [SPAM: high] offer\r\n"));
  EXPECT_THAT(header_of(tagged_message.data), HasSubstr("X-Spam-Level: high\r\n"));
  EXPECT_THAT(header_of(tagged_message.data), HasSubstr("X-Spam-Score: 15"));
  EXPECT_THAT(header_of(clean_message.data), HasSubstr("Subject: lunch\r\n"));
  EXPECT_THAT(header_of(clean_message.data), Not(HasSubstr("X-Spam-Level")));
}

TEST_F(ServeInboundContent, EicarIsRefusedAndACleanMessageGetsAuthenticationResults) {
  BehaviourSink backend;
  SmtpDaemon daemon(options(domain("local.test", backend.port(), "")));
  ASSERT_TRUE(daemon.start()) << daemon.log();

  auto infected = send(daemon.inbound_port(), "alice@serve.test", "reader@local.test", eicar_message());
  EXPECT_THAT(infected.data, StartsWith("550 5.7.1 Message refused: it contains a virus (Eicar-Test-Signature"));
  EXPECT_THAT(daemon.log(), HasSubstr("inbound.virus"));

  // Signed by serve.test, whose SPF allows loopback: spf, dkim and dmarc pass. The client's own
  // Authentication-Results in our name is removed; another server's is kept.
  std::string plain = message("alice@serve.test", "signed", "A signed message.",
                              "Authentication-Results: mx.test; dkim=pass header.d=forged.test\r\n"
                              "Authentication-Results: other.example; spf=none\r\n");
  TempDir keys;
  dkim::SigningTable table({{"*", "serve.test", "s1", private_dkim_key(keys, "rsa2048")}});
  auto signer = dkim::Signer::create(table);
  ASSERT_TRUE(signer) << signer.error();
  auto signature = (*signer)->sign(plain);
  ASSERT_TRUE(signature.ok()) << signature.error();
  auto sent = send(daemon.inbound_port(), "alice@serve.test", "reader@local.test", *signature + plain);
  EXPECT_THAT(sent.data, StartsWith("250"));
  ASSERT_TRUE(eventually([&] { return backend.messages().size() == 1; })) << daemon.log();
  std::string header = header_of(backend.messages()[0].data);
  EXPECT_THAT(header, HasSubstr("Authentication-Results: mx.test;"));
  EXPECT_THAT(header, HasSubstr("spf=pass"));
  EXPECT_THAT(header, HasSubstr("dkim=pass"));
  EXPECT_THAT(header, HasSubstr("header.d=serve.test"));
  EXPECT_THAT(header, HasSubstr("dmarc=pass"));
  EXPECT_THAT(header, Not(HasSubstr("header.d=forged.test"))) << header;
  EXPECT_THAT(header, HasSubstr("Authentication-Results: other.example; spf=none"));
  // Our Received comes first and names neither the backend nor its port.
  EXPECT_THAT(header, StartsWith("Received: from client.example"));
  EXPECT_THAT(header, Not(HasSubstr(std::to_string(backend.port()))));
}

TEST_F(ServeInboundContent, DmarcRejectFailuresAreRefusedWhenTheDomainAsks) {
  BehaviourSink backend;
  SmtpDaemon daemon(options(domain("local.test", backend.port(), "dmarc_reject = true") +
                            domain("lenient.test", backend.port(), "")));
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto refused = send(daemon.inbound_port(), "ceo@forged.test", "reader@local.test",
                      message("ceo@forged.test", "wire transfer", "Pay now."));
  EXPECT_THAT(refused.data, StartsWith("550 5.7.1 Message refused: it fails DMARC"));
  auto recorded = send(daemon.inbound_port(), "ceo@forged.test", "reader@lenient.test",
                       message("ceo@forged.test", "wire transfer", "Pay now."));
  EXPECT_THAT(recorded.data, StartsWith("250"));
  ASSERT_TRUE(eventually([&] { return backend.messages().size() == 1; })) << daemon.log();
  std::string header = header_of(backend.messages()[0].data);
  EXPECT_THAT(header, HasSubstr("spf=fail"));
  EXPECT_THAT(header, HasSubstr("dmarc=fail"));
}

TEST_F(ServeInboundContent, AScannerThatIsDownDefersOrMarksTheMessageUnscanned) {
  BehaviourSink backend;
  DaemonOptions o = options(domain("local.test", backend.port(), "spam = { enabled = true }") +
                            domain("accept.test", backend.port(),
                                   "spam = { enabled = true, scanner_down = \"accept\" }"));
  // Both scanners pointed at ports where nothing listens.
  std::string dead_rspamd = "127.0.0.1:" + std::to_string(free_tcp_port());
  o.extra = "[inbound.rspamd]\naddress = \"" + dead_rspamd + "\"\ntimeout = \"2s\"\n" +
            o.extra.substr(o.extra.find("[inbound.clamd]"));
  SmtpDaemon daemon(o);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  auto deferred = send(daemon.inbound_port(), "alice@serve.test", "reader@local.test",
                       message("alice@serve.test", "hello", "Hello."));
  EXPECT_EQ(deferred.data, "451 4.7.1 Message not accepted now: content scanning is unavailable; try again later\r\n");
  auto unscanned = send(daemon.inbound_port(), "alice@serve.test", "reader@accept.test",
                        message("alice@serve.test", "hello", "Hello."));
  EXPECT_THAT(unscanned.data, StartsWith("250"));
  ASSERT_TRUE(eventually([&] { return backend.messages().size() == 1; })) << daemon.log();
  EXPECT_THAT(header_of(backend.messages()[0].data), HasSubstr("X-Spam-Status: unscanned"));

  // clamd down: never unscanned, whatever the domain says about rspamd.
  DaemonOptions no_clamd = options(domain("accept.test", backend.port(), ""));
  no_clamd.extra = "[inbound.clamd]\naddress = \"127.0.0.1:" + std::to_string(free_tcp_port()) + "\"\n" +
                   domain("local.test", backend.port(), "");
  SmtpDaemon daemon2(no_clamd);
  ASSERT_TRUE(daemon2.start()) << daemon2.log();
  auto held = send(daemon2.inbound_port(), "alice@serve.test", "reader@local.test",
                   message("alice@serve.test", "hello", "Hello."));
  EXPECT_THAT(held.data, StartsWith("451 4.7.1"));
}

TEST_F(ServeInboundContent, AListedClientIsRefusedAtConnectAndAFloodIsLimitedPerAddress) {
  BehaviourSink backend;
  SmtpDaemon daemon(options(domain("local.test", backend.port(), ""),
                            "[inbound.limits]\nmax_connections = 2\n"));
  ASSERT_TRUE(daemon.edit_config("[inbound]\n", "[inbound]\ndnsbl_zones = [\"bl.test\"]\n"));
  ASSERT_TRUE(daemon.start()) << daemon.log();

  SmtpClient listed;
  ASSERT_TRUE(listed.connect(daemon.inbound_port(), "127.0.0.2"));
  EXPECT_EQ(listed.reply(), "554 5.7.1 Service unavailable; client [127.0.0.2] blocked using bl.test\r\n");

  // 127.0.0.3 holds two connections; its third is refused while 127.0.0.4 is served.
  SmtpClient first, second, third;
  ASSERT_TRUE(first.connect(daemon.inbound_port(), "127.0.0.3"));
  EXPECT_THAT(first.reply(), StartsWith("220"));
  ASSERT_TRUE(second.connect(daemon.inbound_port(), "127.0.0.3"));
  EXPECT_THAT(second.reply(), StartsWith("220"));
  ASSERT_TRUE(third.connect(daemon.inbound_port(), "127.0.0.3"));
  EXPECT_EQ(third.reply(), "421 4.7.0 Too many connections; try again later\r\n");
  auto other = send(daemon.inbound_port(), "alice@serve.test", "reader@local.test",
                    message("alice@serve.test", "hello", "Hello."), "127.0.0.4");
  EXPECT_THAT(other.data, StartsWith("250"));
  first.command("QUIT");
  ASSERT_TRUE(first.closed());
  SmtpClient again;
  ASSERT_TRUE(eventually([&] {
    SmtpClient c;
    return c.connect(daemon.inbound_port(), "127.0.0.3") && reply_code(c.reply()) == 220;
  }));
}

TEST_F(ServeInboundContent, AByteFloodIsSlowedNotRefusedAndCounted) {
  BehaviourSink backend;
  SmtpDaemon daemon(options(domain("local.test", backend.port(), ""),
                            "[inbound.limits]\nbytes_per_second = 32768\n"));
  unsigned short metrics = enable_metrics_listener(daemon);
  ASSERT_TRUE(daemon.start()) << daemon.log();
  std::string big(160 * 1024, 'a');  // under the test clamd's StreamMaxLength (256 KiB)
  for (std::size_t i = 76; i < big.size(); i += 78) big.replace(i, 2, "\r\n");
  auto sent = send(daemon.inbound_port(), "alice@serve.test", "reader@local.test",
                   message("alice@serve.test", "big", big), "127.0.0.5");
  EXPECT_THAT(sent.data, StartsWith("250"));
  std::string text = get_metrics(metrics);
  EXPECT_THAT(text, Not(HasSubstr("relayctl_inbound_throttled_reads_total 0\n"))) << text;
  EXPECT_THAT(text, HasSubstr("relayctl_inbound_clients_tracked"));
}

}  // namespace
