#include "mta/bounce/dsn.hpp"

#include <array>
#include <ctime>

#include <openssl/rand.h>

namespace mta::bounce {
namespace {

constexpr std::size_t kMaxDiagnostic = 1000;
constexpr std::size_t kFoldAt = 76;

std::string random_token() {
  std::array<unsigned char, 12> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    auto t = Clock::now().time_since_epoch().count();
    for (auto& b : bytes)
      b = static_cast<unsigned char>(t), t >>= 5;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes)
    out += kHex[b >> 4], out += kHex[b & 15];
  return out;
}

// Printable ASCII only, bounded: remote text may carry anything.
std::string clean(std::string_view text, std::size_t max = kMaxDiagnostic) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max) break;
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
    if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
  }
  return out;
}

// "Name: value", folded at spaces so no line exceeds the fold width where it can be helped (RFC 5322 §2.2.3).
std::string field(std::string_view name, std::string_view value) {
  std::string line = std::string(name) + ": ";
  std::string out;
  std::size_t start = 0;
  while (start < value.size()) {
    std::size_t room = kFoldAt > line.size() ? kFoldAt - line.size() : 0;
    std::size_t end = value.size();
    if (value.size() - start > room) {
      std::size_t space = value.rfind(' ', start + room);
      end = (space != std::string_view::npos && space > start) ? space : value.find(' ', start + room);
      if (end == std::string_view::npos) end = value.size();
    }
    line += value.substr(start, end - start);
    start = end;
    if (start < value.size()) {
      out += line + "\r\n";
      line = " ";  // the continuation keeps the space that was folded at
      ++start;
    }
  }
  return out + line + "\r\n";
}

std::string to_crlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  if (!out.empty() && out.back() != '\n') out += "\r\n";
  return out;
}

std::string human_text(const DsnInput& input, bool delayed) {
  std::string out = "This is the mail system at host " + input.reporting_mta + ".\r\n\r\n";
  if (delayed) {
    out +=
        "Your message could not be delivered yet to the recipients below. The mail system will keep\r\n"
        "trying; you do not need to send it again. You will be told if it finally fails.\r\n";
    if (const auto& until = input.recipients.front().will_retry_until)
      out += "It will keep trying until " + rfc5322_date(*until) + ".\r\n";
    out += "\r\n";
  } else {
    out +=
        "I'm sorry to have to inform you that your message could not be delivered to one or more\r\n"
        "recipients. It is attached below.\r\n\r\n";
  }
  for (const auto& r : input.recipients) {
    out += "<" + clean(r.final_recipient, 320) + ">: ";
    if (r.diagnostic)
      out += (r.remote_mta ? "host " + clean(*r.remote_mta, 255) + " said: " : std::string()) +
             clean(*r.diagnostic);
    else
      out += "delivery status " + clean(r.status, 16);
    out += "\r\n";
  }
  return out;
}

}  // namespace

std::string_view to_string(DsnAction action) {
  switch (action) {
    case DsnAction::failed:
      return "failed";
    case DsnAction::delayed:
      return "delayed";
    case DsnAction::delivered:
      return "delivered";
    case DsnAction::relayed:
      return "relayed";
    case DsnAction::expanded:
      return "expanded";
  }
  return "failed";
}

std::string rfc5322_date(Clock::time_point time) {
  std::time_t t = Clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

std::optional<Dsn> build_dsn(const DsnInput& input, Clock::time_point now) {
  if (input.envelope_sender.empty() || input.recipients.empty()) return std::nullopt;
  bool delayed = input.recipients.front().action == DsnAction::delayed;
  std::string boundary = "dsn-" + random_token() + "/" + input.reporting_mta;
  std::string sender = clean(input.envelope_sender, 320);

  std::string m;
  m += field("From", "Mail Delivery System <MAILER-DAEMON@" + input.reporting_mta + ">");
  m += field("To", "<" + sender + ">");
  m += field("Subject",
             delayed ? "Delayed Mail (still being retried)" : "Undelivered Mail Returned to Sender");
  m += field("Date", rfc5322_date(now));
  m += field("Message-ID", "<" + random_token() + "@" + input.reporting_mta + ">");
  m += field("Auto-Submitted", "auto-replied");
  m += field("MIME-Version", "1.0");
  m += field("Content-Type", "multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\"");
  m += "\r\nThis is a MIME-encapsulated message.\r\n\r\n";

  m += "--" + boundary + "\r\n" + field("Content-Description", "Notification") +
       field("Content-Type", "text/plain; charset=us-ascii") + "\r\n" + human_text(input, delayed) + "\r\n";

  m += "--" + boundary + "\r\n" + field("Content-Description", "Delivery report") +
       field("Content-Type", "message/delivery-status") + "\r\n";
  m += field("Reporting-MTA", "dns; " + input.reporting_mta);
  if (input.envelope_id) m += field("Original-Envelope-Id", clean(*input.envelope_id, 100));
  m += field("Arrival-Date", rfc5322_date(input.arrival));
  for (const auto& r : input.recipients) {
    m += "\r\n";
    m += field("Final-Recipient", "rfc822; " + clean(r.final_recipient, 320));
    if (r.original_recipient) m += field("Original-Recipient", clean(*r.original_recipient, 330));
    m += field("Action", to_string(r.action));
    m += field("Status", clean(r.status, 16));
    if (r.remote_mta) m += field("Remote-MTA", "dns; " + clean(*r.remote_mta, 255));
    if (r.diagnostic) m += field("Diagnostic-Code", "smtp; " + clean(*r.diagnostic));
    m += field("Last-Attempt-Date", rfc5322_date(r.last_attempt));
    if (r.will_retry_until) m += field("Will-Retry-Until", rfc5322_date(*r.will_retry_until));
  }
  m += "\r\n";

  if (input.original_message) {
    m += "--" + boundary + "\r\n" + field("Content-Description", "Undelivered Message") +
         field("Content-Type", "message/rfc822") + "\r\n" + to_crlf(*input.original_message) + "\r\n";
  } else {
    m += "--" + boundary + "\r\n" + field("Content-Description", "Undelivered Message Headers") +
         field("Content-Type", "text/rfc822-headers") + "\r\n" + to_crlf(input.original_headers) + "\r\n";
  }
  m += "--" + boundary + "--\r\n";
  return Dsn{sender, std::move(m)};
}

}  // namespace mta::bounce
