// campaigns::check_message: RFC 5322 format findings, RFC 8058 one-click unsubscribe, the visible link in
// encoded and multipart bodies, link domains, and hostile input.
#include "campaigns/message/message_check.hpp"

#include <gtest/gtest.h>

namespace {

using dns::preflight::Status;

const dns::preflight::Finding* find(const campaigns::MessageCheck& check, const std::string& name,
                                    const std::string& subject) {
  for (const auto& f : check.findings)
    if (f.check == name && f.subject == subject) return &f;
  return nullptr;
}

Status status(const campaigns::MessageCheck& check, const std::string& name, const std::string& subject) {
  auto* f = find(check, name, subject);
  EXPECT_NE(f, nullptr) << name << " " << subject;
  return f ? f->status : Status::error;
}

const std::string kHeader =
    "From: News <news@example.com>\r\n"
    "To: reader@example.net\r\n"
    "Subject: Hello\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <1@example.com>\r\n";
const std::string kOneClick =
    "List-Unsubscribe: <https://u.example.com/x>\r\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";

TEST(MessageCheck, CompliantPlainMessage) {
  auto check =
      campaigns::check_message(kHeader + kOneClick + "\r\nBye: https://u.example.com/x unsubscribe\r\n");
  EXPECT_EQ(status(check, "message-format", "header"), Status::pass);
  EXPECT_EQ(status(check, "unsubscribe", "List-Unsubscribe"), Status::pass);
  EXPECT_EQ(status(check, "unsubscribe", "List-Unsubscribe-Post"), Status::pass);
  EXPECT_EQ(status(check, "unsubscribe", "visible link"), Status::pass);
  EXPECT_EQ(check.link_domains, std::vector<std::string>{"u.example.com"});
}

TEST(MessageCheck, MailtoAloneDoesNotSatisfyOneClick) {
  auto check = campaigns::check_message(kHeader +
                                        "List-Unsubscribe: <mailto:unsub@example.com>\r\n"
                                        "\r\nunsubscribe: reply\r\n");
  auto* f = find(check, "unsubscribe", "List-Unsubscribe");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->status, Status::fail);
  EXPECT_NE(f->detail.find("mailto only"), std::string::npos) << f->detail;
  EXPECT_EQ(status(check, "unsubscribe", "List-Unsubscribe-Post"), Status::fail);
}

TEST(MessageCheck, HttpIsAWarningAndAWrongPostValueFails) {
  auto check = campaigns::check_message(kHeader +
                                        "List-Unsubscribe: <http://u.example.com/x>\r\n"
                                        "List-Unsubscribe-Post: List-Unsubscribe=Yes\r\n\r\nunsubscribe\r\n");
  EXPECT_EQ(status(check, "unsubscribe", "List-Unsubscribe"), Status::warn);
  EXPECT_EQ(status(check, "unsubscribe", "List-Unsubscribe-Post"), Status::fail);
}

TEST(MessageCheck, DkimSignatureMustCoverBothFields) {
  auto unsigned_fields = campaigns::check_message(
      "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;\r\n h=from:to:subject; bh=x; b=y\r\n" +
      kHeader + kOneClick + "\r\nunsubscribe\r\n");
  EXPECT_EQ(status(unsigned_fields, "unsubscribe", "List-Unsubscribe-Post"), Status::fail);
  auto signed_fields = campaigns::check_message(
      "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;\r\n h=from:to:subject:list-unsubscribe:\r\n "
      "List-Unsubscribe-Post; bh=x; b=y\r\n" +
      kHeader + kOneClick + "\r\nunsubscribe\r\n");
  EXPECT_EQ(status(signed_fields, "unsubscribe", "List-Unsubscribe-Post"), Status::pass);
}

TEST(MessageCheck, LinkFoundInQuotedPrintableHtmlInsideMultipart) {
  auto check = campaigns::check_message(
      kHeader + kOneClick +
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n"
      "--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "SGVsbG8gdGhlcmUu\r\n"  // "Hello there."
      "--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
      "<a href=3D\"https://click.example.org/t?id=3D1\">Unsub=\r\nscribe</a>\r\n"
      "--b1--\r\n");
  EXPECT_EQ(status(check, "unsubscribe", "visible link"), Status::pass);
  EXPECT_NE(std::find(check.link_domains.begin(), check.link_domains.end(), "click.example.org"),
            check.link_domains.end());
}

TEST(MessageCheck, NoVisibleLink) {
  auto check = campaigns::check_message(kHeader + kOneClick + "\r\nJust news.\r\n");
  EXPECT_EQ(status(check, "unsubscribe", "visible link"), Status::fail);
}

TEST(MessageCheck, FormatProblems) {
  auto check = campaigns::check_message(
      "From: a@example.com\r\nFrom: b@example.com\r\nnot a header line\r\nSubject: " +
      std::string(1200, 'x') + "\r\nDate: yesterday\r\n\r\nbody\r\n");
  auto* f = find(check, "message-format", "header");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->status, Status::fail);
  for (const char* text : {"2 from fields", "not a field", "998", "not an RFC 5322 date", "no Message-ID"})
    EXPECT_NE(f->detail.find(text), std::string::npos) << text << ": " << f->detail;
  EXPECT_FALSE(f->fix.empty());
}

TEST(MessageCheck, SeveralFromMailboxesNeedSender) {
  auto check = campaigns::check_message(
      "From: a@example.com, b@example.com\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
      "Message-ID: <x@y>\r\nSubject: s\r\n\r\nbody\r\n");
  auto* f = find(check, "message-format", "header");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->status, Status::fail);
  EXPECT_NE(f->detail.find("no Sender"), std::string::npos) << f->detail;
}

TEST(MessageCheck, HostileInputNeverThrows) {
  for (std::string input :
       {std::string(), std::string("\r\n"), std::string(" continuation\r\n"), std::string("From:\r\n\r\n"),
        std::string(5000, ':'), std::string("a\0b: c\r\n\r\n", 10),
        std::string("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n"),
        std::string(100000, 'h')}) {
    auto check = campaigns::check_message(input);
    EXPECT_FALSE(check.findings.empty());
  }
  EXPECT_EQ(status(campaigns::check_message(""), "message-format", "header"), Status::fail);
}

}  // namespace
