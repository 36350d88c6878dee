#include "tests/support/campaign_send.hpp"

#include <sstream>
#include <sys/stat.h>

#include "tests/support/dkim_tools.hpp"

namespace relay::test {
namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-campaign-send";

std::string csv_text(std::size_t recipients, bool bad_rows, std::size_t changed_row) {
  std::ostringstream csv;
  csv << "email,first_name,offer\r\n";
  for (std::size_t i = 0; i < recipients; ++i) {
    csv << (i == changed_row ? "changed" + std::to_string(i) + "@dest.test" : CampaignFiles::address(i))
        << ",Name" << i << ",offer " << i << "\r\n";
    if (bad_rows && i == 10) {
      csv << "not-an-address,X,1\r\n";           // invalid address
      csv << "R3@DEST.test,Again,1\r\n";         // duplicate of r3 (domain case)
      csv << "suppressed@dest.test,Gone,1\r\n";  // suppressed
      csv << "nooffer@dest.test,Carl,\r\n";      // missing field offer
    }
  }
  return csv.str();
}

}  // namespace

CampaignFiles::CampaignFiles(const std::string& id, std::size_t recipients, bool bad_rows,
                             const std::string& extra_toml)
    : good(recipients) {
  dir.write("news.txt", "Hi {{first_name}},\n\nyour {{offer}} is waiting.\n");
  csv = dir.write("list.csv", csv_text(recipients, bad_rows, recipients));
  campaign = dir.write("campaign.toml", "id = \"" + id +
                                            "\"\n"
                                            "name = \"Send test\"\n"
                                            "from = \"Example News <news@example.com>\"\n"
                                            "subject = \"Hello {{first_name}}\"\n"
                                            "text_template = \"news.txt\"\n"
                                            "recipients = \"list.csv\"\n"
                                            "bounce_address = \"bounces@bounce.example.com\"\n"
                                            "list_id = \"news.example.com\"\n"
                                            "[unsubscribe]\n"
                                            "url = \"https://example.com/u\"\n"
                                            "mailto = \"unsubscribe@example.com\"\n"
                                            "[feedback_id]\n"
                                            "sender = \"example\"\n" +
                                            extra_toml);
}

void CampaignFiles::rewrite_csv(std::size_t recipients, std::size_t changed_row) {
  csv = dir.write("list.csv", csv_text(recipients, false, changed_row));
}

std::unique_ptr<SmtpDaemon> campaign_daemon(unsigned short sink_port, const TempDir& keys,
                                            const std::string& delivery) {
  auto secret = keys.write("token.secret", kSecret);
  chmod(secret.c_str(), 0600);
  DaemonOptions options;
  options.delivery = delivery;
  options.extra =
      route_all_to(sink_port) +
      "[[dkim.sign]]\nfrom = \"example.com\"\ndomain = \"dkim.test\"\nselector = \"rsa\"\nkey = \"" +
      private_dkim_key(keys, "rsa2048").string() + "\"\n";
  auto daemon = std::make_unique<SmtpDaemon>(options);
  daemon->edit_config("[campaigns]\n", "[campaigns]\ntoken_secret_file = \"" + secret.string() + "\"\n");
  return daemon;
}

std::map<std::string, int> received_by_recipient(const SmtpSink& sink) {
  std::map<std::string, int> received;
  for (const auto& dump : sink.messages()) {
    std::istringstream in(dump);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("X-", 0) != 0) break;
      constexpr std::string_view kRcpt = "X-Rcpt-Args: <";
      if (line.rfind(kRcpt, 0) == 0) {
        auto end = line.find('>', kRcpt.size());
        ++received[line.substr(kRcpt.size(), end - kRcpt.size())];
      }
    }
  }
  return received;
}

std::string dumped_message(const std::string& dump) {
  std::istringstream in(dump);
  std::string message, line;
  while (std::getline(in, line) && line.rfind("X-", 0) == 0) {
  }
  // smtp-sink's own Received field comes next: "Received: from ...", then folded lines naming smtp-sink.
  bool sinks = line.rfind("Received: from ", 0) == 0;
  while (sinks && std::getline(in, line) && !line.empty() && (line.front() == ' ' || line.front() == '\t')) {
  }
  do {
    message += line + "\r\n";
  } while (std::getline(in, line));
  return message;
}

Arrivals arrivals(const SmtpSink& sink, std::size_t recipients) {
  auto received = received_by_recipient(sink);
  Arrivals out;
  for (std::size_t i = 0; i < recipients; ++i) {
    auto n = received[CampaignFiles::address(i)];
    out.missing += n == 0;
    out.duplicates += n > 1 ? n - 1 : 0;
  }
  return out;
}

long campaign_injected(const SmtpDaemon& daemon, const std::string& id) {
  auto status = daemon.relayctl({"campaign", "status", id, "--json"});
  if (status.exit_code != 0) return -1;
  return nlohmann::json::parse(status.out)["injected"].get<long>();
}

}  // namespace relay::test
