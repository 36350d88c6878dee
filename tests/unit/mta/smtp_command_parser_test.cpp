// The command parser, table-driven: verbs, paths, parameters and every kind of bad input.
#include <gtest/gtest.h>

#include "mta/smtp/command_parser.hpp"

namespace {

using namespace mta::smtp;

struct Case {
  std::string label;
  std::string line;
  std::optional<Verb> verb;  // nothing: an error
  std::string path;
  SmtpError error = SmtpError::syntax;
};

class ParseCommand : public ::testing::TestWithParam<Case> {};

TEST_P(ParseCommand, Table) {
  const Case& c = GetParam();
  auto result = parse_command(c.line);
  ASSERT_EQ(result.command.has_value(), c.verb.has_value()) << c.line;
  if (c.verb) {
    EXPECT_EQ(result.command->verb, *c.verb);
    EXPECT_EQ(result.command->path, c.path);
  } else {
    EXPECT_EQ(result.error, c.error);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseCommand,
    ::testing::Values(
        Case{"ehlo", "EHLO client.example", Verb::ehlo, ""},
        Case{"ehlo_lower", "ehlo client.example", Verb::ehlo, ""},
        Case{"ehlo_literal", "EHLO [127.0.0.1]", Verb::ehlo, ""},
        Case{"ehlo_missing", "EHLO", std::nullopt, "", SmtpError::syntax_argument},
        Case{"ehlo_two_words", "EHLO a b", std::nullopt, "", SmtpError::syntax_argument},
        Case{"helo", "HELO client", Verb::helo, ""},
        Case{"mail", "MAIL FROM:<a@example.com>", Verb::mail, "a@example.com"},
        Case{"mail_space", "MAIL FROM: <a@example.com>", Verb::mail, "a@example.com"},
        Case{"mail_null", "MAIL FROM:<>", Verb::mail, ""},
        Case{"mail_route", "MAIL FROM:<@relay.example,@b.example:a@example.com>", Verb::mail,
             "a@example.com"},
        Case{"mail_quoted", "MAIL FROM:<\"john doe\"@example.com>", Verb::mail, "\"john doe\"@example.com"},
        Case{"mail_size", "MAIL FROM:<a@example.com> SIZE=1000 BODY=8BITMIME", Verb::mail, "a@example.com"},
        Case{"mail_utf8", "MAIL FROM:<j\xc3\xb6rg@example.com> SMTPUTF8", Verb::mail,
             "j\xc3\xb6rg@example.com"},
        Case{"mail_auth_param", "MAIL FROM:<a@example.com> AUTH=<>", Verb::mail, "a@example.com"},
        Case{"mail_no_brackets", "MAIL FROM:a@example.com", std::nullopt, "", SmtpError::syntax_argument},
        Case{"mail_no_from", "MAIL <a@example.com>", std::nullopt, "", SmtpError::syntax_argument},
        Case{"mail_bad_addr", "MAIL FROM:<a@@example.com>", std::nullopt, "", SmtpError::bad_sender},
        Case{"mail_dot_local", "MAIL FROM:<.a@example.com>", std::nullopt, "", SmtpError::bad_sender},
        Case{"mail_unknown_param", "MAIL FROM:<a@example.com> NOTIFY=NEVER", std::nullopt, "",
             SmtpError::parameter_unknown},
        Case{"mail_bad_size", "MAIL FROM:<a@example.com> SIZE=12x", std::nullopt, "",
             SmtpError::syntax_argument},
        Case{"mail_bad_body", "MAIL FROM:<a@example.com> BODY=BINARYMIME", std::nullopt, "",
             SmtpError::syntax_argument},
        Case{"rcpt", "RCPT TO:<b@example.net>", Verb::rcpt, "b@example.net"},
        Case{"rcpt_postmaster", "RCPT TO:<Postmaster>", Verb::rcpt, "Postmaster"},
        Case{"rcpt_literal", "RCPT TO:<b@[192.0.2.1]>", Verb::rcpt, "b@[192.0.2.1]"},
        Case{"rcpt_bad_literal", "RCPT TO:<b@[192.0.2.300]>", std::nullopt, "", SmtpError::bad_mailbox},
        Case{"rcpt_notify", "RCPT TO:<b@example.net> NOTIFY=NEVER", Verb::rcpt, "b@example.net"},
        Case{"rcpt_notify_list", "RCPT TO:<b@example.net> NOTIFY=success,DELAY ORCPT=rfc822;b+2Bx@example.net",
             Verb::rcpt, "b@example.net"},
        Case{"rcpt_notify_never_and", "RCPT TO:<b@example.net> NOTIFY=NEVER,FAILURE", std::nullopt, "",
             SmtpError::syntax_argument},
        Case{"rcpt_notify_twice", "RCPT TO:<b@example.net> NOTIFY=FAILURE,FAILURE", std::nullopt, "",
             SmtpError::syntax_argument},
        Case{"rcpt_notify_repeated", "RCPT TO:<b@example.net> NOTIFY=DELAY NOTIFY=DELAY", std::nullopt, "",
             SmtpError::parameter_unknown},
        Case{"rcpt_orcpt_no_type", "RCPT TO:<b@example.net> ORCPT=b@example.net", std::nullopt, "",
             SmtpError::syntax_argument},
        Case{"rcpt_orcpt_bad_xtext", "RCPT TO:<b@example.net> ORCPT=rfc822;b+2x@example.net", std::nullopt, "",
             SmtpError::syntax_argument},
        Case{"rcpt_unknown_param", "RCPT TO:<b@example.net> RET=FULL", std::nullopt, "",
             SmtpError::parameter_unknown},
        Case{"mail_dsn", "MAIL FROM:<a@example.com> RET=HDRS ENVID=QQ314159", Verb::mail, "a@example.com"},
        Case{"mail_bad_ret", "MAIL FROM:<a@example.com> RET=ALL", std::nullopt, "", SmtpError::syntax_argument},
        Case{"mail_envid_control", "MAIL FROM:<a@example.com> ENVID=a+0Ab", std::nullopt, "",
             SmtpError::syntax_argument},
        Case{"rcpt_null", "RCPT TO:<>", std::nullopt, "", SmtpError::bad_mailbox},
        Case{"rcpt_label_dash", "RCPT TO:<b@-bad.example>", std::nullopt, "", SmtpError::bad_mailbox},
        Case{"data", "DATA", Verb::data, ""},
        Case{"data_arg", "DATA now", std::nullopt, "", SmtpError::syntax_argument},
        Case{"rset", "RSET", Verb::rset, ""}, Case{"noop", "NOOP anything", Verb::noop, ""},
        Case{"quit", "QUIT", Verb::quit, ""}, Case{"vrfy", "VRFY root", Verb::vrfy, ""},
        Case{"expn", "EXPN list", Verb::expn, ""}, Case{"starttls", "STARTTLS", Verb::starttls, ""},
        Case{"auth", "AUTH PLAIN AGFsaWNlAHNlY3JldA==", Verb::auth, ""},
        Case{"auth_empty", "AUTH", std::nullopt, "", SmtpError::syntax_argument},
        Case{"http_get", "GET / HTTP/1.1", Verb::http, ""},
        Case{"http_post", "POST /x HTTP/1.0", Verb::http, ""},
        Case{"unknown", "XYZZY", std::nullopt, "", SmtpError::syntax},
        Case{"empty", "", std::nullopt, "", SmtpError::syntax},
        Case{"nul", std::string("NOOP\0x", 6), std::nullopt, "", SmtpError::nul_in_command}),
    [](const auto& info) { return info.param.label; });

TEST(ParseCommand, ParametersAreRead) {
  auto result = parse_command("MAIL FROM:<a@example.com> SIZE=1000 BODY=8BITMIME SMTPUTF8");
  ASSERT_TRUE(result.command);
  EXPECT_EQ(result.command->params.size, 1000u);
  EXPECT_TRUE(result.command->params.eight_bit_mime);
  EXPECT_TRUE(result.command->params.smtputf8);
}

TEST(Mailbox, DomainIsLowerCased) {
  EXPECT_EQ(mailbox_domain("A@Example.COM"), "example.com");
  EXPECT_FALSE(is_valid_mailbox("j\xc3\xb6rg@example.com", false));
  EXPECT_TRUE(is_valid_mailbox("j\xc3\xb6rg@example.com", true));
}


TEST(ParseCommand, DsnParametersAreDecoded) {
  auto mail = parse_command("MAIL FROM:<a@example.com> RET=FULL ENVID=id+2B1+3D2");
  ASSERT_TRUE(mail.command);
  EXPECT_EQ(mail.command->params.ret, DsnReturn::full);
  EXPECT_EQ(mail.command->params.envid, "id+1=2");
  auto rcpt = parse_command("RCPT TO:<b@example.net> NOTIFY=FAILURE,DELAY ORCPT=rfc822;B+2Bx@Example.NET");
  ASSERT_TRUE(rcpt.command);
  EXPECT_EQ(rcpt.command->params.notify, notify_failure | notify_delay);
  EXPECT_EQ(rcpt.command->params.orcpt, "rfc822;B+x@Example.NET");
  EXPECT_EQ(format_orcpt(*rcpt.command->params.orcpt), "rfc822;B+2Bx@Example.NET");
  EXPECT_EQ(format_notify(rcpt.command->params.notify), "FAILURE,DELAY");
  std::string long_envid(101, 'x');
  EXPECT_FALSE(parse_command("MAIL FROM:<a@example.com> ENVID=" + long_envid).command);  // RFC 3461 §4.4
}

TEST(DsnParams, WhoWantsWhat) {
  EXPECT_TRUE(wants_failure(0));  // NOTIFY not given: failures and delays, no successes
  EXPECT_TRUE(wants_delay(0));
  EXPECT_FALSE(wants_success(0));
  EXPECT_FALSE(wants_failure(notify_never));
  EXPECT_FALSE(wants_delay(notify_never));
  EXPECT_FALSE(wants_delay(notify_failure));
  EXPECT_TRUE(wants_success(notify_success | notify_failure));
  EXPECT_EQ(xtext_encode("a+b=c d"), "a+2Bb+3Dc+20d");
  EXPECT_EQ(xtext_decode("a+2Bb+3Dc+20d"), "a+b=c d");
  EXPECT_FALSE(xtext_decode("a+2"));
  EXPECT_FALSE(xtext_decode("a+2b"));  // hex digits are upper case
}

}  // namespace
