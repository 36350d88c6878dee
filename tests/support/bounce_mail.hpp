// bounce_mail.hpp — the messages a remote system sends back to a bounce domain, written the way real MTAs
// write them, for the bounce tests: an RFC 3464 DSN (multipart/report; delivery-status, with the
// returned message's headers), an RFC 5965 ARF complaint (multipart/report; feedback-report, with the
// original message) and an RFC 3834 out-of-office reply. Lines end in CRLF.
#pragma once

#include <string>

namespace relay::test {

struct ReturnedMessage {
  std::string return_path;  // the VERP address the original was sent from
  std::string to;           // its recipient
  std::string message_id = "<original@example.com>";
  std::string subject = "Hello";
};

// A DSN from `reporting_mta` reporting `status` (e.g. "5.1.1") with `diagnostic` (e.g. "smtp; 550 5.1.1
// ...") for the original's recipient; action failed for 5.x.x, delayed for 4.x.x.
std::string make_dsn(const ReturnedMessage& original, const std::string& reporting_mta,
                     const std::string& status, const std::string& diagnostic,
                     const std::string& message_id = "<dsn-1@mx.remote.test>");

// An ARF abuse report about the original (its headers and body returned whole), as a mailbox provider's
// feedback loop sends it.
std::string make_arf(const ReturnedMessage& original, const std::string& message_id = "<arf-1@fbl.remote.test>",
                     const std::string& feedback_type = "abuse");

// An out-of-office reply to the original's return path.
std::string make_auto_reply(const ReturnedMessage& original,
                            const std::string& message_id = "<ooo-1@remote.test>");

}  // namespace relay::test
