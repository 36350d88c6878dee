#include "dns/preflight/bulk_rules.hpp"

#include <algorithm>
#include <string>

namespace dns::preflight {

const std::vector<BulkRule>& bulk_rules() {
  static const std::vector<BulkRule> rules{
      {"spf-and-dkim",
       "Gmail, Yahoo, Outlook.com",
       "SPF and DKIM both set up and passing for the sending domain",
       {"spf", "dkim"},
       "publish an SPF record covering every sending IP and a DKIM key for each selector"},
      {"dmarc",
       "Gmail, Yahoo, Outlook.com",
       "a DMARC record, policy p=none or stronger",
       {"dmarc"},
       "publish _dmarc.DOMAIN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@DOMAIN\""},
      {"alignment",
       "Gmail, Yahoo, Outlook.com",
       "the From domain aligned with the SPF or the DKIM domain",
       {"dmarc-alignment"},
       "sign with d= your From domain, or send with a bounce domain under it"},
      {"forward-reverse-dns",
       "Gmail, Yahoo",
       "valid forward and reverse DNS (PTR) for every sending IP",
       {"rdns", "ehlo"},
       "ask the IP's provider for a PTR naming your EHLO host, with an A record back to the IP"},
      {"tls",
       "Gmail",
       "a TLS connection for transmitting email",
       {"tls"},
       "offer STARTTLS with a valid certificate; relayctl sends with opportunistic TLS by default"},
      {"dkim-key-length",
       "Gmail, Yahoo",
       "DKIM keys of at least 1024 bits (2048 recommended)",
       {"dkim"},
       "generate a 2048-bit key with `relayctl dkim keygen` and publish it"},
      {"not-listed",
       "Gmail, Yahoo, Outlook.com",
       "sending IPs and domains not on major blocklists",
       {"dnsbl"},
       "find the listing reason on the list's lookup page and follow its delisting procedure"},
      {"one-click-unsubscribe",
       "Gmail, Yahoo",
       "marketing mail carries List-Unsubscribe with an https URI and List-Unsubscribe-Post: "
       "List-Unsubscribe=One-Click (RFC 8058), plus a visible unsubscribe link",
       {"unsubscribe"},
       "add both headers to every campaign message; mailto: alone does not satisfy Gmail"},
      {"message-format",
       "Gmail, Yahoo",
       "messages formatted according to RFC 5322",
       {"message-format"},
       "give every message one From, Date and Message-ID, and well-formed headers"},
  };
  return rules;
}

std::vector<Finding> evaluate_bulk_rules(const Report& report) {
  std::vector<Finding> out;
  for (const auto& rule : bulk_rules()) {
    Finding line{"bulk-rules", rule.id, Status::pass, rule.requirement, ""};
    const Finding* worst = nullptr;
    std::size_t seen = 0;
    for (const auto& f : report.findings) {
      if (std::find_if(rule.checks.begin(), rule.checks.end(), [&](const char* c) { return f.check == c; }) ==
          rule.checks.end())
        continue;
      ++seen;
      if (!worst || severity(f.status) > severity(worst->status)) worst = &f;
    }
    if (seen == 0) {
      line.status = Status::warn;
      line.detail = std::string(rule.requirement) + " (" + rule.providers + "): not checked";
      line.fix = std::string(rule.checks.front()) == "unsubscribe" ||
                         std::string(rule.checks.front()) == "message-format"
                     ? "give a sample campaign message with --message FILE, or the campaign with --campaign "
                       "FILE, to check it"
                     : "configure what this rule rests on, or give it with flags";
    } else {
      line.status = worst->status;
      line.detail = std::string(rule.requirement) + " (" + rule.providers + ")";
      if (worst->status != Status::pass) {
        line.detail +=
            ": " + worst->check + " " + worst->subject + " " + std::string(to_string(worst->status));
        line.fix = rule.fix;
      }
    }
    out.push_back(std::move(line));
  }
  out.push_back(
      {"bulk-rules", "spam-rate", Status::warn,
       "user-reported spam rate below 0.3% (Gmail, Yahoo; aim for under 0.1%): measured by the providers, "
       "not here",
       "watch Gmail Postmaster Tools and Yahoo's complaint feedback loop; suppress complainers at once"});
  return out;
}

}  // namespace dns::preflight
