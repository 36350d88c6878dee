#include "tests/support/bounce_mail.hpp"

namespace relay::test {
namespace {

std::string original_headers(const ReturnedMessage& original) {
  return "Return-Path: <" + original.return_path +
         ">\r\n"
         "From: Example News <news@example.com>\r\n"
         "To: " +
         original.to +
         "\r\n"
         "Subject: " +
         original.subject +
         "\r\n"
         "Message-ID: " +
         original.message_id +
         "\r\n"
         "Date: Sun, 06 Dec 2026 10:00:00 +0000\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n";
}

}  // namespace

std::string make_dsn(const ReturnedMessage& original, const std::string& reporting_mta,
                     const std::string& status, const std::string& diagnostic, const std::string& message_id) {
  std::string action = status.starts_with("4") ? "delayed" : "failed";
  std::string boundary = "dsn-boundary-7f3a";
  return "From: Mail Delivery System <MAILER-DAEMON@" + reporting_mta +
         ">\r\n"
         "To: " +
         original.return_path +
         "\r\n"
         "Subject: Undelivered Mail Returned to Sender\r\n"
         "Message-ID: " +
         message_id +
         "\r\n"
         "Date: Sun, 06 Dec 2026 10:05:00 +0000\r\n"
         "Auto-Submitted: auto-replied\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=delivery-status;\r\n"
         "\tboundary=\"" +
         boundary +
         "\"\r\n"
         "\r\n"
         "This is a MIME-encapsulated message.\r\n"
         "\r\n"
         "--" +
         boundary +
         "\r\n"
         "Content-Description: Notification\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n"
         "\r\n"
         "This is the mail system at host " +
         reporting_mta +
         ".\r\n"
         "\r\n"
         "I'm sorry to have to inform you that your message could not\r\n"
         "be delivered to one or more recipients.\r\n"
         "\r\n"
         "<" +
         original.to + ">: " + diagnostic +
         "\r\n"
         "\r\n"
         "--" +
         boundary +
         "\r\n"
         "Content-Description: Delivery report\r\n"
         "Content-Type: message/delivery-status\r\n"
         "\r\n"
         "Reporting-MTA: dns; " +
         reporting_mta +
         "\r\n"
         "Arrival-Date: Sun, 06 Dec 2026 10:00:01 +0000\r\n"
         "\r\n"
         "Final-Recipient: rfc822; " +
         original.to +
         "\r\n"
         "Original-Recipient: rfc822;" +
         original.to +
         "\r\n"
         "Action: " +
         action +
         "\r\n"
         "Status: " +
         status +
         "\r\n"
         "Remote-MTA: dns; inbox." +
         reporting_mta +
         "\r\n"
         "Diagnostic-Code: " +
         diagnostic +
         "\r\n"
         "\r\n"
         "--" +
         boundary +
         "\r\n"
         "Content-Description: Undelivered Message Headers\r\n"
         "Content-Type: text/rfc822-headers\r\n"
         "\r\n" +
         original_headers(original) + "\r\n--" + boundary + "--\r\n";
}

std::string make_arf(const ReturnedMessage& original, const std::string& message_id,
                     const std::string& feedback_type) {
  std::string boundary = "arf-boundary-19c2";
  return "From: Feedback Loop <fbl@fbl.remote.test>\r\n"
         "To: fbl@bounce.example.com\r\n"
         "Subject: FW: " +
         original.subject +
         "\r\n"
         "Message-ID: " +
         message_id +
         "\r\n"
         "Date: Sun, 06 Dec 2026 11:00:00 +0000\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/report; report-type=feedback-report;\r\n"
         "\tboundary=\"" +
         boundary +
         "\"\r\n"
         "\r\n"
         "--" +
         boundary +
         "\r\n"
         "Content-Type: text/plain; charset=\"US-ASCII\"\r\n"
         "Content-Transfer-Encoding: 7bit\r\n"
         "\r\n"
         "This is an email abuse report for an email message received from IP\r\n"
         "127.0.0.1 on Sun, 06 Dec 2026 10:00:00 +0000.\r\n"
         "\r\n"
         "--" +
         boundary +
         "\r\n"
         "Content-Type: message/feedback-report\r\n"
         "\r\n"
         "Feedback-Type: " +
         feedback_type +
         "\r\n"
         "User-Agent: RemoteFBL/1.0\r\n"
         "Version: 1\r\n"
         "Original-Mail-From: <" +
         original.return_path +
         ">\r\n"
         "Original-Rcpt-To: <" +
         original.to +
         ">\r\n"
         "Arrival-Date: Sun, 06 Dec 2026 10:00:00 +0000\r\n"
         "Source-IP: 127.0.0.1\r\n"
         "Reported-Domain: example.com\r\n"
         "\r\n"
         "--" +
         boundary +
         "\r\n"
         "Content-Type: message/rfc822\r\n"
         "Content-Disposition: inline\r\n"
         "\r\n" +
         original_headers(original) + "\r\nHi, your offer is waiting.\r\n\r\n--" + boundary + "--\r\n";
}

std::string make_auto_reply(const ReturnedMessage& original, const std::string& message_id) {
  return "From: " + original.to +
         "\r\n"
         "To: " +
         original.return_path +
         "\r\n"
         "Subject: Automatic reply: " +
         original.subject +
         "\r\n"
         "Message-ID: " +
         message_id +
         "\r\n"
         "In-Reply-To: " +
         original.message_id +
         "\r\n"
         "Date: Sun, 06 Dec 2026 10:01:00 +0000\r\n"
         "Auto-Submitted: auto-replied\r\n"
         "X-Auto-Response-Suppress: All\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "\r\n"
         "I am out of the office until Monday and will reply to your message then.\r\n";
}

}  // namespace relay::test
