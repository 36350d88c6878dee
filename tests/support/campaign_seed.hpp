// campaign_seed.hpp — integration-test helpers for the daemon's side of campaigns: a token secret for
// [campaigns] token_secret_file, campaign and recipient rows seeded straight into the daemon's database
// (as `campaign send` writes them), tokens and VERP addresses made with the same secret, and a small
// HTTP(S) client in Python for the unsubscribe endpoint. Header-only: only integration tests, which link
// relay_campaigns, include it.
#pragma once

#include <string>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "campaigns/store/database.hpp"
#include "campaigns/tokens/token_secret.hpp"
#include "campaigns/tokens/verp.hpp"
#include "tests/support/process.hpp"
#include "tests/support/smtp_daemon.hpp"

namespace relay::test {

inline constexpr const char* kTestTokenSecret = "0123456789abcdef0123456789abcdef-campaign-secret";

class CampaignSeed {
 public:
  // Adds token_secret_file (and these [campaigns] lines) to the daemon's configuration: before start().
  explicit CampaignSeed(SmtpDaemon& daemon, const std::string& campaigns_lines = "")
      : secret_(campaigns::TokenSecret::from_bytes(kTestTokenSecret)) {
    auto path = daemon.dir().write("token.secret", kTestTokenSecret);
    ::chmod(path.c_str(), 0600);
    bool edited = daemon.edit_config(
        "[campaigns]\n", "[campaigns]\ntoken_secret_file = \"" + path.string() + "\"\n" + campaigns_lines);
    EXPECT_TRUE(edited);
    auto opened = campaigns::Database::open(daemon.dir().path() / "relayctl.db");
    EXPECT_TRUE(opened.database) << opened.error;
    db_ = std::move(opened.database);
  }

  void add_campaign(const std::string& id, const std::string& pool, const std::string& bounce,
                    const std::string& unsubscribe) {
    campaigns::Statement insert(
        *db_,
        "INSERT INTO campaigns (id, file, pool, bounce_address, unsubscribe_mailto, state, "
        "created_at, updated_at) VALUES (?, 'test.toml', ?, ?, ?, 'sending', 0, 0)");
    insert.bind(1, id).bind(2, pool).bind(3, bounce).bind(4, unsubscribe).step();
  }

  void add_recipient(const std::string& campaign, const std::string& recipient, const std::string& address) {
    campaigns::Statement insert(*db_,
                                "INSERT INTO recipients (campaign_id, line, recipient_id, address, state, "
                                "updated_at) VALUES (?, ?, ?, ?, 'pending', 0)");
    insert.bind(1, campaign).bind(2, static_cast<std::int64_t>(++line_)).bind(3, recipient).bind(4, address);
    insert.step();
  }

  std::string token(const std::string& campaign, const std::string& recipient) const {
    return campaigns::make_token(secret_, *campaigns::CampaignId::parse(campaign),
                                 *campaigns::RecipientId::parse(recipient));
  }
  // mailbox+TOKEN@domain for a mailbox like "bounces@bounce.test".
  std::string address(const std::string& mailbox, const std::string& campaign,
                      const std::string& recipient) const {
    return campaigns::verp_address(*campaigns::BounceAddress::parse(mailbox), token(campaign, recipient));
  }

 private:
  campaigns::TokenSecret secret_;
  std::unique_ptr<campaigns::Database> db_;
  int line_ = 0;
};

struct HttpReply {
  int status = 0;
  std::string body;
};

// One request with Python's http.client (TLS without certificate checks: the daemon's is self-signed).
// content_type empty: no body.
inline HttpReply http_request(bool tls, unsigned short port, const std::string& method,
                              const std::string& target, const std::string& content_type = "",
                              const std::string& body = "") {
  auto result = run({"python3", "-c",
                     "import http.client,ssl,sys\n"
                     "tls,port,method,target,ctype,body=sys.argv[1:7]\n"
                     "if tls=='1':\n"
                     " c=http.client.HTTPSConnection('127.0.0.1',int(port),timeout=20,"
                     "context=ssl._create_unverified_context())\n"
                     "else:\n"
                     " c=http.client.HTTPConnection('127.0.0.1',int(port),timeout=20)\n"
                     "h={'Content-Type':ctype} if ctype else {}\n"
                     "c.request(method,target,body=body.encode() if ctype else None,headers=h)\n"
                     "r=c.getresponse()\n"
                     "sys.stdout.write(str(r.status)+'\\n'+r.read().decode())\n",
                     tls ? "1" : "0", std::to_string(port), method, target, content_type, body});
  HttpReply reply;
  auto newline = result.out.find('\n');
  if (result.exit_code != 0 || newline == std::string::npos) {
    reply.body = result.out + result.err;
    return reply;
  }
  reply.status = std::stoi(result.out.substr(0, newline));
  reply.body = result.out.substr(newline + 1);
  return reply;
}

// GET /metrics from the admin listener, with Python.
inline std::string get_metrics(unsigned short port) {
  return http_request(false, port, "GET", "/metrics").body;
}

// Adds a [web] section listening on 127.0.0.1:port (with these lines): after CampaignSeed, which sets the
// token secret [web] listen needs.
inline void enable_web(SmtpDaemon& daemon, unsigned short port, const std::string& lines = "") {
  EXPECT_TRUE(daemon.edit_config(
      "[admin]\n", "[web]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n" + lines + "[admin]\n"));
}

// Replaces the disabled admin listener of the helper's configuration with one on a free port; that port.
inline unsigned short enable_metrics_listener(SmtpDaemon& daemon) {
  unsigned short port = free_tcp_port();
  daemon.edit_config("metrics_listen = \"\"", "metrics_listen = \"127.0.0.1:" + std::to_string(port) + "\"");
  return port;
}

}  // namespace relay::test
