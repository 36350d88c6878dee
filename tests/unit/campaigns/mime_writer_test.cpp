// The MIME pieces alone: the transfer encoding chosen for a body (table), header folding within 78
// columns (quotes are text in a Subject), and encoded bodies with CRLF line ends, quoted-printable lines within
// 76 octets, and no "=_" (the boundary prefix) in any encoded part.
#include "campaigns/message/mime_writer.hpp"

#include <gmime/gmime.h>

#include <gtest/gtest.h>

#include "tests/unit/campaigns/campaign_fixture.hpp"

namespace campaigns::mime {
namespace {

using test::crlf_lines;

std::string lf_lines(std::string text) {
  for (auto pos = text.find("\r\n"); pos != std::string::npos; pos = text.find("\r\n", pos))
    text.erase(pos, 1);
  return text;
}

std::string decoded(const std::string& encoded, TransferEncoding encoding) {
  if (encoding == TransferEncoding::seven_bit) return encoded;
  GMimeEncoding state;
  g_mime_encoding_init_decode(&state, encoding == TransferEncoding::base64
                                          ? GMIME_CONTENT_ENCODING_BASE64
                                          : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  std::string out(g_mime_encoding_outlen(&state, encoded.size()), '\0');
  out.resize(g_mime_encoding_flush(&state, encoded.data(), encoded.size(), out.data()));
  return out;
}

struct EncodingCase {
  std::string label;
  std::string body;
  TransferEncoding expected;
  std::string canonical;  // the body as it decodes: CRLF line ends
};

class ChooseEncoding : public ::testing::TestWithParam<EncodingCase> {};

TEST_P(ChooseEncoding, AndEncodesWithCrlf) {
  init();
  const auto& c = GetParam();
  EXPECT_EQ(choose_encoding(c.body), c.expected);
  std::string out;
  BodyEncoder encoder;
  encoder.append(out, c.body, c.expected);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\n') {
      EXPECT_TRUE(i > 0 && out[i - 1] == '\r') << "bare LF at " << i;
    }
    if (out[i] == '\r') {
      EXPECT_TRUE(i + 1 < out.size() && out[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  for (const auto& line : crlf_lines(out)) {
    EXPECT_LE(line.size(), c.expected == TransferEncoding::seven_bit ? 998u : 76u) << line;
    if (c.expected != TransferEncoding::seven_bit) {
      EXPECT_EQ(line.find("=_"), std::string::npos) << line;
    }
  }
  // GMime's QP decoder keeps the wire's CRLF; the encoder read LF or CRLF alike.
  if (c.expected == TransferEncoding::quoted_printable)
    EXPECT_EQ(lf_lines(decoded(out, c.expected)), lf_lines(c.body));
  else
    EXPECT_EQ(decoded(out, c.expected), c.canonical);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ChooseEncoding,
    ::testing::Values(
        EncodingCase{"ascii", "Plain\nwords.\n", TransferEncoding::seven_bit, "Plain\r\nwords.\r\n"},
        EncodingCase{"crlf_kept", "a\r\nb\n", TransferEncoding::seven_bit, "a\r\nb\r\n"},
        EncodingCase{"no_final_newline", "a\nb", TransferEncoding::seven_bit, "a\r\nb"},
        EncodingCase{"line_of_998", std::string(998, 'x') + "\r\n", TransferEncoding::seven_bit,
                     std::string(998, 'x') + "\r\n"},
        EncodingCase{"line_of_999", std::string(999, 'x') + "\n", TransferEncoding::quoted_printable, ""},
        EncodingCase{"lone_cr", "a\rb\n", TransferEncoding::quoted_printable, ""},
        EncodingCase{"boundary_prefix", "--=_abc\nx=_y\n", TransferEncoding::quoted_printable, ""},
        EncodingCase{"some_utf8", "Grüße aus Köln, and a lot more plain text here.\n",
                     TransferEncoding::quoted_printable, ""},
        EncodingCase{"trailing_space", "Viele Grüße und so weiter \n", TransferEncoding::quoted_printable,
                     ""},
        EncodingCase{"mostly_utf8", "こんにちは、世界\n", TransferEncoding::base64, "こんにちは、世界\r\n"},
        EncodingCase{"nul", std::string("a\0b\n", 4), TransferEncoding::base64, std::string("a\0b\r\n", 5)},
        EncodingCase{"binary", std::string("\xff\xfe\x80\x01=_\n", 7), TransferEncoding::base64,
                     std::string("\xff\xfe\x80\x01=_\r\n", 8)},
        EncodingCase{"empty", "", TransferEncoding::seven_bit, ""}),
    [](const auto& info) { return info.param.label; });

struct FoldCase {
  std::string label;
  std::string value;
  std::string expected;  // the field as written
};

class Fold : public ::testing::TestWithParam<FoldCase> {};

TEST_P(Fold, Within78Columns) {
  std::string out;
  append_header(out, "Subject", GetParam().value);
  EXPECT_EQ(out, GetParam().expected);
}

const std::string k38(38, 'a');
const std::string k100(100, 'b');

INSTANTIATE_TEST_SUITE_P(
    Table, Fold,
    ::testing::Values(FoldCase{"short", "Hello Jane", "Subject: Hello Jane\r\n"},
                      FoldCase{"empty", "", "Subject: \r\n"},
                      FoldCase{"at_78", k38 + " " + std::string(30, 'c'),
                               "Subject: " + k38 + " " + std::string(30, 'c') + "\r\n"},
                      FoldCase{"at_79", k38 + " " + std::string(31, 'c'),
                               "Subject: " + k38 + "\r\n " + std::string(31, 'c') + "\r\n"},
                      FoldCase{"long_token_whole", k100 + " x", "Subject: " + k100 + "\r\n x\r\n"},
                      FoldCase{"quotes_are_text", "\"" + k38 + " " + k38 + "\" <a@b>",
                               "Subject: \"" + k38 + "\r\n " + k38 + "\" <a@b>\r\n"},
                      FoldCase{"lone_quote", "12\" " + k38 + " " + k38,
                               "Subject: 12\" " + k38 + "\r\n " + k38 + "\r\n"},
                      FoldCase{"double_space", k38 + "  " + k38,
                               "Subject: " + k38 + " \r\n " + k38 + "\r\n"}),
    [](const auto& info) { return info.param.label; });

TEST(MimeWriter, EncodedWordsFoldBetweenWords) {
  init();
  std::string subject = "Grüße";
  for (int i = 0; i < 20; ++i)
    subject += " Grüße";
  std::string out;
  append_header(out, "Subject", encode_text(subject));
  auto lines = crlf_lines(out);
  ASSERT_GT(lines.size(), 1u);
  for (const auto& line : lines)
    EXPECT_LE(line.size(), 78u) << line;
  for (std::size_t i = 1; i < lines.size(); ++i)
    EXPECT_TRUE(lines[i].starts_with(" =?UTF-8?")) << lines[i];
}

struct PhraseCase {
  std::string label;
  std::string phrase;
  std::string rest;
  std::string expected;
};

class PhraseHeader : public ::testing::TestWithParam<PhraseCase> {};

TEST_P(PhraseHeader, EncodedOrQuotedAndFoldedBeforeTheAddress) {
  init();
  std::string out;
  append_phrase_header(out, "From", GetParam().phrase, GetParam().rest);
  EXPECT_EQ(out, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, PhraseHeader,
    ::testing::Values(
        PhraseCase{"address_alone", "", "a@x.test", "From: a@x.test\r\n"},
        PhraseCase{"plain", "Acme News", "<a@x.test>", "From: Acme News <a@x.test>\r\n"},
        PhraseCase{"specials_quoted", "Acme, Inc.", "<a@x.test>", "From: \"Acme, Inc.\" <a@x.test>\r\n"},
        PhraseCase{"utf8_encoded", "Zoë", "<a@x.test>", "From: =?UTF-8?b?Wm/Dqw==?= <a@x.test>\r\n"},
        PhraseCase{"long_folds_once", std::string(70, 'n'), "<a@x.test>",
                   "From: " + std::string(70, 'n') + "\r\n <a@x.test>\r\n"}),
    [](const auto& info) { return info.param.label; });

TEST(MimeWriter, OctetsThatAreNotUtf8NeverReachAHeaderRaw) {
  std::string header;
  append_header(header, "Subject", encode_text("caf\xe9 \xff end"));  // Latin-1, not UTF-8
  append_phrase_header(header, "From", "Ren\xe9", "<rene@example.com>");
  for (unsigned char c : header) EXPECT_LT(c, 0x80) << header;
  EXPECT_NE(header.find("=?"), std::string::npos) << header;  // encoded words, U+FFFD for those octets
}

}  // namespace
}  // namespace campaigns::mime
