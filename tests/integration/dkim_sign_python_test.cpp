// `relayctl dkim sign` checked by an independent verifier: python3-dkim (tests/support/dkim_verify.py)
// fetches the keys from nsd serving tests/fixtures/dns/dkim.test.zone. RSA 2048 and Ed25519, LF and CRLF
// input, over plain text, multipart MIME, long folded headers, 8-bit bodies, empty bodies, trailing blank
// lines and trailing white space; then copies of From, Subject or To added in transit break the signature.
#include <gtest/gtest.h>

#include "tests/support/dkim_tools.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using relay::test::run;

struct Sample {
  const char* label;
  std::string message;  // LF line endings; the test also sends it with CRLF
};

const std::string kHeaders =
    "From: Alice Example <alice@dkim.test>\n"
    "To: Bob <bob@example.org>\n"
    "Date: Mon, 23 Nov 2026 03:00:00 +0000\n"
    "Message-ID: <sample@dkim.test>\n";

std::string folded_recipients() {
  std::string to = "To: ";
  for (int i = 0; i < 30; ++i)
    to += (i ? ",\n\t" : "") + std::string("recipient") + std::to_string(i) + "@example.org";
  return to + "\n";
}

const Sample kSamples[] = {
    {"plain", kHeaders +
                  "Subject: plain text\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n"
                  "Hello Bob,\n\nthis is a plain message.\n-- \nAlice\n"},
    {"multipart",
     kHeaders +
         "Subject: multipart\nMIME-Version: 1.0\n"
         "Content-Type: multipart/alternative;\n boundary=\"b1\"\n\n"
         "This is a multi-part message in MIME format.\n\n--b1\nContent-Type: text/plain; charset=utf-8\n"
         "Content-Transfer-Encoding: quoted-printable\n\nGr=C3=BC=C3=9Fe\n\n--b1\n"
         "Content-Type: text/html; charset=utf-8\n\n<p>Gr&uuml;&szlig;e</p>\n\n--b1\n"
         "Content-Type: application/octet-stream; name=\"a.bin\"\nContent-Transfer-Encoding: base64\n\n"
         "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n--b1--\n"},
    {"long_folded_headers",
     "From: Alice Example <alice@dkim.test>\n" + folded_recipients() +
         "Subject: a subject that goes on and on,\n folded over several lines,\n\tsome with tabs,\n   "
         "some with spaces\nReferences: <a@dkim.test>\n <b@dkim.test>\n <c@dkim.test>\n"
         "List-Unsubscribe: <https://dkim.test/unsubscribe/0123456789abcdef0123456789abcdef>,\n "
         "<mailto:unsubscribe@dkim.test?subject=0123456789abcdef>\nList-Unsubscribe-Post: "
         "List-Unsubscribe=One-Click\n"
         "Feedback-ID: 42:campaign:relayctl\nX-Long: " +
         std::string(900, 'x') + "\n\nbody\n"},
    {"eight_bit",
     kHeaders + "Subject: 8bit\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
                "Content-Transfer-Encoding: 8bit\n\nGr\xc3\xbc\xc3\x9f\x65 aus K\xc3\xb6ln \xe2\x82\xac\n"
                "Latin-1: \xe9\xe8\xff\n"},
    {"empty_body", kHeaders + "Subject: empty\n\n"},
    {"no_body_separator", kHeaders + "Subject: no separator\n"},
    {"trailing_blank_lines", kHeaders + "Subject: trailing\n\nline\n\n\n\n\n"},
    {"trailing_white_space", kHeaders + "Subject:   spaced   out  \n\nline with spaces   \n\ttabbed\t\n \n"},
};

std::string crlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

struct SignWithRelayctl : ::testing::TestWithParam<Sample> {
  relay::test::TempDir dir;
  relay::test::NsdServer nsd{{relay::test::fixture_zone("dkim.test")}};
  std::filesystem::path rsa = relay::test::private_dkim_key(dir, "rsa2048");
  std::filesystem::path ed = relay::test::private_dkim_key(dir, "ed25519");

  std::string sign(const std::string& message, const std::string& selector, const std::filesystem::path& key,
                   const std::string& canonicalization = "relaxed/relaxed") {
    relay::test::RunOptions options;
    options.input = message;
    auto r = run({RELAYCTL_BINARY, "dkim", "sign", "--domain", "dkim.test", "--selector", selector, "--key",
                  key.string(), "--canonicalization", canonicalization},
                 options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.out.ends_with(message)) << "the message follows its signature unchanged";
    return r.out;
  }
};

TEST_P(SignWithRelayctl, Python3DkimVerifies) {
  for (bool use_crlf : {false, true}) {
    std::string message = use_crlf ? crlf(GetParam().message) : GetParam().message;
    for (const auto& [selector, key] : {std::pair{"rsa", rsa}, std::pair{"ed", ed}}) {
      SCOPED_TRACE(std::string(selector) + (use_crlf ? " CRLF" : " LF"));
      auto signed_message = sign(message, selector, key);
      EXPECT_EQ(signed_message.find("\r\n") != std::string::npos, use_crlf)
          << "output keeps the line endings";
      auto verdict = relay::test::python_dkim_verify(signed_message, nsd.address());
      EXPECT_EQ(verdict.exit_code, 0) << verdict.out << verdict.err << signed_message;
    }
  }
  auto simple = sign(GetParam().message, "rsa", rsa, "simple/simple");
  auto verdict = relay::test::python_dkim_verify(simple, nsd.address());
  EXPECT_EQ(verdict.exit_code, 0) << "simple/simple: " << verdict.out << verdict.err;
}

INSTANTIATE_TEST_SUITE_P(Messages, SignWithRelayctl, ::testing::ValuesIn(kSamples),
                         [](const auto& info) { return std::string(info.param.label); });

struct Tampering : SignWithRelayctl {};

TEST_F(Tampering, AddedFromSubjectOrToBreakTheSignature) {
  const std::string message = kSamples[0].message;
  for (const auto& [selector, key] : {std::pair{"rsa", rsa}, std::pair{"ed", ed}}) {
    SCOPED_TRACE(selector);
    auto signed_message = sign(message, selector, key);
    ASSERT_EQ(relay::test::python_dkim_verify(signed_message, nsd.address()).exit_code, 0);
    for (std::string added : {"From: Mallory <ceo@dkim.test>\n", "Subject: URGENT: wire the money\n",
                              "To: victim@example.net\n"}) {
      auto body_start = signed_message.find("\n\n");
      std::string below = signed_message;  // a copy added at the bottom of the header, where receivers look
      below.insert(body_start + 1, added);
      EXPECT_EQ(relay::test::python_dkim_verify(below, nsd.address()).exit_code, 1) << added;
      EXPECT_EQ(relay::test::python_dkim_verify(added + signed_message, nsd.address()).exit_code, 1) << added;
    }
    std::string body = signed_message + "P.S. one more line\n";
    EXPECT_EQ(relay::test::python_dkim_verify(body, nsd.address()).exit_code, 1);
  }
}

}  // namespace
