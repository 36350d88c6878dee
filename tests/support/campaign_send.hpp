// campaign_send.hpp — the pieces the `campaign send` scenarios share: a campaign directory (TOML, a text
// template, a recipients CSV of n good rows r<i>@dest.test plus, optionally, one bad row of each kind), a
// `relayctl serve` that signs From example.com with the rsa2048 fixture key (selector rsa of dkim.test) and
// routes all mail to a sink, with [campaigns] token_secret_file set, and the envelope recipients an
// smtp-sink received, counted.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "tests/support/smtp_daemon.hpp"
#include "tests/support/smtp_sink.hpp"
#include "tests/support/temp_dir.hpp"

namespace relay::test {

struct CampaignFiles {
  // Bad rows: an invalid address, a duplicate, a suppressed address (suppressed@dest.test; suppress it),
  // a row lacking the required field `offer`.
  CampaignFiles(const std::string& id, std::size_t recipients, bool bad_rows,
                const std::string& extra_toml = "");
  static std::string address(std::size_t i) { return "r" + std::to_string(i) + "@dest.test"; }
  void rewrite_csv(std::size_t recipients, std::size_t changed_row);  // row changed_row gets another address

  TempDir dir;
  std::filesystem::path campaign, csv;
  std::size_t good = 0;
};

// A daemon delivering to sink_port, signing as above, with a token secret and these [delivery] lines;
// start() it yourself.
std::unique_ptr<SmtpDaemon> campaign_daemon(unsigned short sink_port, const TempDir& keys,
                                            const std::string& delivery = "");

// Envelope recipient -> messages received, from smtp-sink's dumps (their X-Rcpt-Args lines).
std::map<std::string, int> received_by_recipient(const SmtpSink& sink);
// Of CampaignFiles::address(0 .. recipients-1): how many never arrived at the sink, and how many extra
// copies arrived (a recipient received n > 1 times counts n - 1).
struct Arrivals {
  int missing = 0;
  int duplicates = 0;
};
Arrivals arrivals(const SmtpSink& sink, std::size_t recipients);
// `campaign status ID --json`'s injected count, or -1 when status fails.
long campaign_injected(const SmtpDaemon& daemon, const std::string& id);
// A dump's message alone (smtp-sink's X-* envelope lines taken off), with CRLF line ends.
std::string dumped_message(const std::string& dump);

}  // namespace relay::test
