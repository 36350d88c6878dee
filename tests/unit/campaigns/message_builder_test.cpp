// Built messages parsed back with GMime: structure (multipart/alternative or a single part), UTF-8
// charset, transfer encodings chosen by content, RFC 2047 headers, header and body lines within 998
// octets, the VERP return path and unsubscribe tokens verify, List-Unsubscribe(-Post), Feedback-ID,
// List-Id, Message-ID and Date, the unsubscribe footer, escaping, a missing field, and message_check;
// the wire form (CRLF only, line limits, folding), bodies with boundary-like lines, and Python's email
// parser reading the same message.
#include "campaigns/message/message_builder.hpp"

#include <gmime/gmime.h>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaigns/suppression/memory_suppression_store.hpp"
#include "campaigns/message/message_check.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/campaigns/campaign_fixture.hpp"

namespace campaigns {
namespace {

using test::CampaignDir;
using test::kGoodCampaign;
using test::replace_line;
using ::testing::HasSubstr;

const TokenSecret kSecret = TokenSecret::from_bytes("0123456789abcdef0123456789abcdef-test-secret");

struct Built {
  RenderedMessage rendered;
  RecipientId id = *RecipientId::parse("x");
};

// Builds the message of the first row of csv for the campaign toml.
Built build(CampaignDir& dir, const std::string& toml, const std::string& csv) {
  dir.dir.write("list.csv", csv);
  auto load = dir.load(toml);
  EXPECT_TRUE(load.campaign) << (load.errors.empty() ? "" : load.errors[0].message);
  if (!load.campaign) return {};
  MemorySuppressionStore store;
  std::istringstream in(csv);
  RecipientReader reader(in, store);
  RecipientRow row;
  EXPECT_TRUE(reader.next(row));
  EXPECT_FALSE(row.skip) << row.problem;
  MessageBuilder builder(*load.campaign, kSecret, reader.columns());
  EXPECT_TRUE(builder.unknown_fields().empty());
  return {builder.build(row), *row.id};
}

// The unfolded value of the first header field named name.
std::string header(const std::string& message, const std::string& name) {
  std::string value;
  bool in_field = false;
  for (const auto& line : test::crlf_lines(message)) {
    if (line.empty()) break;
    if (in_field && (line[0] == ' ' || line[0] == '\t')) {
      value += line;
      continue;
    }
    if (in_field) break;
    if (line.size() > name.size() && strncasecmp(line.c_str(), (name + ":").c_str(), name.size() + 1) == 0) {
      in_field = true;
      value = line.substr(name.size() + 2);
    }
  }
  return value;
}

class Parsed {
 public:
  explicit Parsed(const std::string& bytes) {
    g_mime_init();
    GMimeStream* stream = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
    GMimeParser* parser = g_mime_parser_new_with_stream(stream);
    message = g_mime_parser_construct_message(parser, nullptr);
    g_object_unref(parser);
    g_object_unref(stream);
  }
  ~Parsed() {
    if (message) g_object_unref(message);
  }
  GMimeObject* body() const { return g_mime_message_get_mime_part(message); }
  GMimeMessage* message = nullptr;
};

std::string content_type(GMimeObject* object) {
  char* text = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(object));
  std::string out = text;
  g_free(text);
  return out;
}

std::string charset(GMimeObject* object) {
  const char* value = g_mime_object_get_content_type_parameter(object, "charset");
  return value ? value : "";
}

// The part's text, decoded, with CRLF (the wire form) read as LF.
std::string decoded_text(GMimeObject* object) {
  char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(object));
  std::string out = text ? text : "";
  g_free(text);
  std::erase(out, '\r');
  return out;
}

TEST(MessageBuilder, MultipartAlternativeParsesBack) {
  CampaignDir dir;
  auto built = build(dir, kGoodCampaign, test::kCsv);
  const auto& m = built.rendered;
  ASSERT_EQ(m.problem, "");
  Parsed parsed(m.message);
  ASSERT_NE(parsed.message, nullptr);
  ASSERT_EQ(content_type(parsed.body()), "multipart/alternative");
  GMimeMultipart* alternative = GMIME_MULTIPART(parsed.body());
  ASSERT_EQ(g_mime_multipart_get_count(alternative), 2);
  GMimeObject* text = g_mime_multipart_get_part(alternative, 0);
  GMimeObject* html = g_mime_multipart_get_part(alternative, 1);
  EXPECT_EQ(content_type(text), "text/plain");
  EXPECT_EQ(content_type(html), "text/html");
  EXPECT_EQ(charset(text), "utf-8");
  EXPECT_EQ(charset(html), "utf-8");

  std::string text_body = decoded_text(text);
  std::string html_body = decoded_text(html);
  EXPECT_THAT(text_body, HasSubstr("Hi Jane,"));
  EXPECT_THAT(text_body, HasSubstr("20% off <today> & \"more\" <b>not bold</b> & more."));  // not escaped
  EXPECT_THAT(html_body, HasSubstr("<p>20% off &lt;today&gt; &amp; &quot;more&quot;</p>"));

  std::string token = make_token(kSecret, *CampaignId::parse("spring-24"), built.id);
  std::string url = "https://acme.example/u?t=" + token;
  EXPECT_THAT(text_body, HasSubstr("Unsubscribe: " + url + "\n"));  // the template's own link
  EXPECT_EQ(text_body.find("-- \n"), std::string::npos);            // so no footer
  EXPECT_THAT(html_body, HasSubstr("<a href=\"" + url + "\">Unsubscribe</a></p>\n</body>"));  // footer added

  EXPECT_EQ(header(m.message, "List-Unsubscribe"),
            "<" + url + ">, <mailto:unsubscribe+" + token + "@acme.example?subject=unsubscribe>");
  EXPECT_EQ(header(m.message, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  EXPECT_EQ(header(m.message, "Feedback-ID"), "spring-24:news:acme");
  EXPECT_EQ(header(m.message, "List-Id"), "Spring news <spring.news.acme.example>");
  EXPECT_EQ(header(m.message, "From"), "Acme News <news@acme.example>");
  EXPECT_EQ(header(m.message, "Reply-To"), "help@acme.example");
  EXPECT_EQ(header(m.message, "To"), "jane@example.com");
  EXPECT_EQ(header(m.message, "Subject"), "Hello Jane");
  EXPECT_THAT(header(m.message, "Message-Id"),
              ::testing::MatchesRegex("<spring-24\\." + built.id.str() + "\\.[a-v0-9]+@acme\\.example>"));
  EXPECT_NE(g_mime_message_get_date(parsed.message), nullptr);

  auto check = check_token(kSecret, token);
  ASSERT_EQ(check.status, TokenStatus::valid);
  auto verp = decode_verp(kSecret, *BounceAddress::parse("bounces@bounce.acme.example"), m.envelope_from);
  ASSERT_EQ(verp.status, TokenStatus::valid) << m.envelope_from;
  EXPECT_EQ(verp.ids->campaign.str(), "spring-24");
  EXPECT_EQ(verp.ids->recipient, built.id);
  EXPECT_EQ(m.envelope_from, "bounces+" + token + "@bounce.acme.example");
  EXPECT_EQ(m.recipient, "jane@example.com");
  EXPECT_FALSE(m.needs_smtputf8);

  for (const auto& finding : check_message(m.message).findings)
    EXPECT_NE(finding.status, dns::preflight::Status::fail) << finding.check << ": " << finding.detail;
}

struct EncodingCase {
  std::string label;
  std::string body;      // the text template
  std::string encoding;  // its Content-Transfer-Encoding
};

class MessageEncoding : public ::testing::TestWithParam<EncodingCase> {};

TEST_P(MessageEncoding, ChosenByContent) {
  CampaignDir dir;
  dir.dir.write("body.txt", GetParam().body);
  auto toml = replace_line(replace_line(kGoodCampaign, 7, ""), 6, "text_template = \"body.txt\"");
  auto built = build(dir, toml, "email\na@x.test\n");
  ASSERT_EQ(built.rendered.problem, "");
  Parsed parsed(built.rendered.message);
  ASSERT_NE(parsed.message, nullptr);
  EXPECT_EQ(content_type(parsed.body()), "text/plain");
  EXPECT_EQ(charset(parsed.body()), "utf-8");
  EXPECT_EQ(test::crlf_lines(built.rendered.message.substr(0, built.rendered.message.find("\r\n\r\n"))).size() > 0,
            true);
  auto encoding = g_mime_part_get_content_encoding(GMIME_PART(parsed.body()));
  EXPECT_STREQ(g_mime_content_encoding_to_string(encoding), GetParam().encoding.c_str());
  std::string decoded = decoded_text(parsed.body());
  EXPECT_EQ(decoded.substr(0, GetParam().body.size()), GetParam().body);
  EXPECT_THAT(decoded, HasSubstr("\n\n-- \nUnsubscribe: https://acme.example/u?t="));  // footer added
  for (const auto& line : test::crlf_lines(built.rendered.message))
    EXPECT_LE(line.size(), 998u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, MessageEncoding,
    ::testing::Values(EncodingCase{"ascii", "Plain words only.\n", "7bit"},
                      EncodingCase{"mostly_ascii", "Grüße aus Köln, and a lot more plain text here.\n",
                                   "quoted-printable"},
                      EncodingCase{"mostly_utf8", "こんにちは、世界。ニュースレターです。\n", "base64"},
                      EncodingCase{"long_line", std::string(1500, 'a') + "\n", "quoted-printable"}),
    [](const auto& info) { return info.param.label; });

TEST(MessageBuilder, EncodedHeadersAndShortLines) {
  CampaignDir dir;
  std::string subject(60, 'x');
  auto toml =
      replace_line(kGoodCampaign, 5,
                   "subject = \"Grüße, {{first_name}}! " + subject + " " + subject + " " + subject + "\"");
  toml = replace_line(toml, 3, "from = \"Zoë Ünal, Shop <news@acme.example>\"");
  toml = replace_line(toml, 2, "name = \"Frühlings-News\"");
  auto built = build(dir, toml, "email,first_name,offer\njosé@example.com,Zoë,x\n");
  const auto& m = built.rendered;
  ASSERT_EQ(m.problem, "");
  std::string head = m.message.substr(0, m.message.find("\r\n\r\n"));
  for (const auto& line : test::crlf_lines(head)) {
    EXPECT_LE(line.size(), 998u) << line;
    if (line.find("https://") == std::string::npos &&
        line.find("mailto:") == std::string::npos) {  // URIs do not fold
      EXPECT_LE(line.size(), 78u) << line;
    }
  }
  EXPECT_THAT(header(m.message, "Subject"), HasSubstr("=?"));
  EXPECT_THAT(header(m.message, "From"), HasSubstr("=?UTF-8?"));
  EXPECT_THAT(header(m.message, "List-Id"),
              ::testing::MatchesRegex("=\\?.*\\?= <spring\\.news\\.acme\\.example>"));
  Parsed parsed(m.message);
  ASSERT_NE(parsed.message, nullptr);
  EXPECT_EQ(std::string(g_mime_message_get_subject(parsed.message)),
            "Grüße, Zoë! " + subject + " " + subject + " " + subject);
  InternetAddressList* from = g_mime_message_get_from(parsed.message);
  ASSERT_EQ(internet_address_list_length(from), 1);
  EXPECT_STREQ(internet_address_get_name(internet_address_list_get_address(from, 0)), "Zoë Ünal, Shop");
  EXPECT_TRUE(m.needs_smtputf8);
  EXPECT_EQ(m.recipient, "josé@example.com");
}

TEST(MessageBuilder, MissingFieldIsARowProblem) {
  CampaignDir dir;
  auto built = build(dir, kGoodCampaign, "email,first_name,offer\na@x.test,Al,\n");
  EXPECT_EQ(built.rendered.problem, "no value for {{offer}}, which " +
                                        (dir.dir.path() / "news.txt").string() + " uses without a default");
  EXPECT_EQ(built.rendered.message, "");
}

TEST(MessageBuilder, UnknownFieldsNamedOnce) {
  CampaignDir dir;
  auto load = dir.load(kGoodCampaign);
  ASSERT_TRUE(load.campaign);
  MessageBuilder builder(*load.campaign, kSecret, {"email", "first_name"});
  auto unknown = builder.unknown_fields();
  ASSERT_EQ(unknown.size(), 2u);  // offer, in the text and in the HTML template
  EXPECT_THAT(unknown[0],
              HasSubstr("news.txt uses {{offer}}, which is neither a column nor a built-in field"));
}

TEST(MessageBuilder, HtmlOnlyAndViewOnline) {
  CampaignDir dir;
  dir.dir.write(
      "v.html",
      "<p>{{first_name}}{{^first_name}}Hi{{/first_name}} <a href=\"{{view_online_url}}\">web</a></p>");
  auto toml = replace_line(replace_line(kGoodCampaign, 7, "html_template = \"v.html\""), 6,
                           "view_online_url = \"https://acme.example/v?c=1\"");
  auto built = build(dir, toml, "email\na@x.test\n");
  ASSERT_EQ(built.rendered.problem, "");
  Parsed parsed(built.rendered.message);
  ASSERT_NE(parsed.message, nullptr);
  EXPECT_EQ(content_type(parsed.body()), "text/html");
  std::string token = make_token(kSecret, *CampaignId::parse("spring-24"), built.id);
  std::string html = decoded_text(parsed.body());
  EXPECT_THAT(html,
              HasSubstr("<p>Hi <a href=\"https://acme.example/v?c=1&amp;t=" + token + "\">web</a></p>"));
  EXPECT_THAT(html, HasSubstr("Unsubscribe</a></p>"));  // appended: no </body> to put it before
}

}  // namespace
}  // namespace campaigns

namespace campaigns {
namespace {

TEST(MessageBuilder, ListIdPhraseQuotedWhenItHasSpecials) {
  CampaignDir dir;
  auto toml = replace_line(kGoodCampaign, 2, R"(name = "Acme, \"Best\" news\\")");
  auto built = build(dir, toml, test::kCsv);
  ASSERT_EQ(built.rendered.problem, "");
  EXPECT_EQ(header(built.rendered.message, "List-Id"),
            R"("Acme, \"Best\" news\\" <spring.news.acme.example>)");
  for (const auto& finding : check_message(built.rendered.message).findings)
    EXPECT_NE(finding.status, dns::preflight::Status::fail) << finding.check << ": " << finding.detail;
}

}  // namespace
}  // namespace campaigns

namespace campaigns {
namespace {

std::string head_of(const std::string& message) {
  return message.substr(0, message.find("\r\n\r\n") + 2);
}

// CRLF only; no line over 998 octets; header lines within 78 columns, but for List-Unsubscribe's URIs
// (which must not fold); body lines within 76 (quoted-printable and base64), or 998 for 7bit parts.
void expect_wire_form(const std::string& message) {
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      ASSERT_TRUE(i > 0 && message[i - 1] == '\r') << "bare LF at " << i;
    }
    if (message[i] == '\r') {
      ASSERT_TRUE(i + 1 < message.size() && message[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  ASSERT_EQ(message.substr(message.size() - 2), "\r\n");
  bool in_head = true, seven_bit = false;
  for (const auto& line : test::crlf_lines(message)) {
    EXPECT_LE(line.size(), 998u) << line;
    if (line.empty()) {
      in_head = false;
      continue;
    }
    if (line.starts_with("Content-Transfer-Encoding:")) seven_bit = line.ends_with("7bit");
    if (line.starts_with("--=_")) in_head = true;
    if (in_head && !line.starts_with("List-Unsubscribe: <") && !line.starts_with(" <mailto:")) {
      EXPECT_LE(line.size(), 78u) << line;
    }
    if (!in_head && !seven_bit) {
      EXPECT_LE(line.size(), 76u) << line;
    }
  }
}

TEST(MessageBuilder, WireFormWithLongAndEightBitLines) {
  CampaignDir dir;
  std::string long_line;
  for (int i = 0; i < 40; ++i)
    long_line += "Grüße, {{first_name}}! ";
  dir.dir.write("news.txt", long_line + "\n" + std::string(1200, 'a') + "\nend\n");
  auto built = build(dir, kGoodCampaign, test::kCsv);
  const auto& m = built.rendered;
  ASSERT_EQ(m.problem, "");
  expect_wire_form(m.message);
  EXPECT_THAT(head_of(m.message), HasSubstr("\r\nMIME-Version: 1.0\r\n"));
  Parsed parsed(m.message);
  ASSERT_NE(parsed.message, nullptr);
  GMimeObject* text = g_mime_multipart_get_part(GMIME_MULTIPART(parsed.body()), 0);
  EXPECT_EQ(g_mime_part_get_content_encoding(GMIME_PART(text)), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  std::string expected_line;
  for (int i = 0; i < 40; ++i)
    expected_line += "Grüße, Jane! ";
  EXPECT_EQ(decoded_text(text).substr(0, expected_line.size() + 1206),
            expected_line + "\n" + std::string(1200, 'a') + "\nend\n");
}

TEST(MessageBuilder, BoundaryLikeLinesStayInTheirPart) {
  CampaignDir dir;
  const std::string tricky = "--=_\n--=_{{first_name}}\n--=_{{first_name}}--\n--\n";
  dir.dir.write("news.txt", tricky + "Unsubscribe: {{unsubscribe_url}}\n");
  dir.dir.write("news.html", "<p>" + tricky + "</p>\n");
  dir.dir.write("list.csv", "email,first_name,offer\na@x.test,A,1\nb@x.test,B,2\n");
  auto load = dir.load(kGoodCampaign);
  ASSERT_TRUE(load.campaign);
  MemorySuppressionStore store;
  std::istringstream in("email,first_name,offer\na@x.test,A,1\nb@x.test,B,2\n");
  RecipientReader reader(in, store);
  MessageBuilder builder(*load.campaign, kSecret, reader.columns());
  std::set<std::string> boundaries;
  RecipientRow row;
  while (reader.next(row)) {
    auto m = builder.build(row);
    ASSERT_EQ(m.problem, "");
    expect_wire_form(m.message);
    Parsed parsed(m.message);
    ASSERT_NE(parsed.message, nullptr);
    GMimeMultipart* alternative = GMIME_MULTIPART(parsed.body());
    ASSERT_EQ(g_mime_multipart_get_count(alternative), 2);
    boundaries.insert(g_mime_multipart_get_boundary(alternative));
    std::string name = row.cells[1];
    std::string expected = "--=_\n--=_" + name + "\n--=_" + name + "--\n--\n";
    EXPECT_THAT(decoded_text(g_mime_multipart_get_part(alternative, 0)), HasSubstr(expected));
    EXPECT_THAT(decoded_text(g_mime_multipart_get_part(alternative, 1)), HasSubstr(expected));
    int delimiters = 0;
    for (const auto& line : test::crlf_lines(m.message))
      delimiters += line.starts_with("--=_");
    EXPECT_EQ(delimiters, 3) << m.message;  // two parts and the close; the tricky lines are encoded
  }
  EXPECT_EQ(boundaries.size(), 2u);  // one per message
}

TEST(MessageBuilder, TextOnlyAndHtmlOnlyAreSingleParts) {
  for (int drop : {6, 7}) {
    CampaignDir dir;
    auto built = build(dir, replace_line(kGoodCampaign, drop, ""), test::kCsv);
    const auto& m = built.rendered;
    ASSERT_EQ(m.problem, "");
    expect_wire_form(m.message);
    std::string head = head_of(m.message);
    EXPECT_THAT(head, HasSubstr(drop == 7 ? "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                          : "\r\nContent-Type: text/html; charset=utf-8\r\n"));
    EXPECT_THAT(head, HasSubstr("\r\nContent-Transfer-Encoding: 7bit\r\n"));
    EXPECT_EQ(m.message.find("multipart"), std::string::npos);
    Parsed parsed(m.message);
    ASSERT_NE(parsed.message, nullptr);
    EXPECT_EQ(content_type(parsed.body()), drop == 7 ? "text/plain" : "text/html");
    EXPECT_THAT(decoded_text(parsed.body()), HasSubstr("Hi Jane,"));
  }
}

TEST(MessageBuilder, SinglePartEndsWithALineEnd) {
  CampaignDir dir;
  dir.dir.write("news.html", "<a href=\"{{unsubscribe_url}}\">Unsubscribe</a>");  // no footer, no newline
  auto built = build(dir, replace_line(kGoodCampaign, 6, ""), test::kCsv);
  ASSERT_EQ(built.rendered.problem, "");
  expect_wire_form(built.rendered.message);
  EXPECT_TRUE(built.rendered.message.ends_with("</a>\r\n"));
}

TEST(MessageBuilder, BinaryishContentIsBase64) {
  CampaignDir dir;
  const std::string bytes("\x01\x02\x1b\x7f\x00\xc3\xa9=_\n", 10);  // UTF-8, as templates must be
  dir.dir.write("body.txt", bytes);
  auto toml = replace_line(replace_line(kGoodCampaign, 7, ""), 6, "text_template = \"body.txt\"");
  auto built = build(dir, toml, "email\na@x.test\n");
  ASSERT_EQ(built.rendered.problem, "");
  expect_wire_form(built.rendered.message);
  Parsed parsed(built.rendered.message);
  ASSERT_NE(parsed.message, nullptr);
  GMimePart* part = GMIME_PART(parsed.body());
  ASSERT_EQ(g_mime_part_get_content_encoding(part), GMIME_CONTENT_ENCODING_BASE64);
  GMimeStream* stream = g_mime_stream_mem_new();
  g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(part), stream);
  GByteArray* array = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream));
  std::string decoded(reinterpret_cast<const char*>(array->data), array->len);
  g_object_unref(stream);
  EXPECT_EQ(decoded.substr(0, 11), std::string("\x01\x02\x1b\x7f\x00\xc3\xa9=_\r\n", 11));  // canonical CRLF
}

TEST(MessageBuilder, HeadersAsWritten) {
  CampaignDir dir;
  auto toml = replace_line(kGoodCampaign, 3, "from = \"Acme News <news@mail.acme.example>\"");
  auto built = build(dir, toml, test::kCsv);
  const auto& m = built.rendered;
  ASSERT_EQ(m.problem, "");
  std::string token = make_token(kSecret, *CampaignId::parse("spring-24"), built.id);
  std::string head = head_of(m.message);
  EXPECT_TRUE(
      head.starts_with("From: Acme News <news@mail.acme.example>\r\nReply-To: help@acme.example\r\n"
                       "To: jane@example.com\r\nSubject: Hello Jane\r\nDate: "))
      << head;
  EXPECT_THAT(head, HasSubstr("\r\nList-Id: Spring news <spring.news.acme.example>\r\n"
                              "List-Unsubscribe: <https://acme.example/u?t=" +
                              token + ">,\r\n <mailto:unsubscribe+" + token +
                              "@acme.example?subject=unsubscribe>\r\n"
                              "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
                              "Feedback-ID: spring-24:news:acme\r\nMIME-Version: 1.0\r\n"));
  EXPECT_THAT(
      header(m.message, "Message-ID"),
      ::testing::MatchesRegex("<spring-24\\." + built.id.str() + "\\.[a-v0-9]{5}@mail\\.acme\\.example>"));
  Parsed parsed(m.message);
  ASSERT_NE(parsed.message, nullptr);
  GDateTime* date = g_mime_message_get_date(parsed.message);
  ASSERT_NE(date, nullptr);
  EXPECT_LT(std::abs(g_date_time_to_unix(date) - std::time(nullptr)), 5);
}

TEST(MessageBuilder, LongSubjectWordAndDisplayNameFold) {
  CampaignDir dir;
  std::string name = "The Acme Company Newsletter Department of Long Display Names";
  auto toml = replace_line(kGoodCampaign, 3, "from = \"" + name + " <news@acme.example>\"");
  std::string word(1200, 'w');
  auto built = build(dir, toml, "email,first_name,offer\na@x.test," + word + ",x\n");
  const auto& m = built.rendered;
  ASSERT_EQ(m.problem, "");
  expect_wire_form(m.message);
  Parsed parsed(m.message);
  ASSERT_NE(parsed.message, nullptr);
  EXPECT_EQ(std::string(g_mime_message_get_subject(parsed.message)), "Hello " + word);
  InternetAddressList* from = g_mime_message_get_from(parsed.message);
  ASSERT_EQ(internet_address_list_length(from), 1);
  EXPECT_EQ(std::string(internet_address_get_name(internet_address_list_get_address(from, 0))), name);
}

// An independent parser: Python's email package (policy.default) finds no defects and reads the same
// subject, display name, structure, charsets and text. (GMime 3.2.13's decoder stops at the first
// padded base64 word of a run of encoded words, so it cannot judge a long non-ASCII subject.)
TEST(MessageBuilder, PythonEmailParserAgrees) {
  CampaignDir dir;
  std::string many_words;
  for (int i = 0; i < 12; ++i)
    many_words += " Grüße";
  auto toml = replace_line(kGoodCampaign, 5,
                           "subject = \"Grüße, {{first_name}}! Ünser Angebot für Sie" + many_words + "\"");
  toml = replace_line(toml, 3, "from = \"Zoë Ünal, Shop <news@acme.example>\"");
  // An ASCII recipient: Python's parser calls a UTF-8 local part (RFC 6532) a defect.
  auto built = build(dir, toml, "email,first_name,offer\njose@example.com,Zoë,20% off at Köln\n");
  ASSERT_EQ(built.rendered.problem, "");
  const char* script = R"(
import sys, email
from email import policy
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)
def check(p):
    assert not p.defects, [type(d).__name__ for d in p.defects]
check(m)
parts = list(m.iter_parts())
for p in parts:
    check(p)
    assert p.get_content_charset() == 'utf-8', p.get_content_charset()
    for name, value in p.items():
        check(value)
for name, value in m.items():
    assert not value.defects, (name, value.defects)
out = [str(m['subject']), m['from'].addresses[0].display_name, m['to'].addresses[0].username,
       m.get_content_type(), ' '.join(p.get_content_type() for p in parts),
       parts[0].get_content().splitlines()[2], str(m['list-unsubscribe-post'])]
sys.stdout.buffer.write('\n'.join(out).encode() + b'\n')
)";
  relay::test::RunOptions options;
  options.input = built.rendered.message;
  auto result = relay::test::run({"python3", "-c", script}, options);
  ASSERT_EQ(result.exit_code, 0) << result.err << built.rendered.message;
  EXPECT_EQ(
      result.out,
      "Grüße, Zoë! Ünser Angebot für Sie" + many_words +
          "\nZoë Ünal, Shop\njose\nmultipart/alternative\n"
          "text/plain text/html\n20% off at Köln <b>not bold</b> & more.\nList-Unsubscribe=One-Click\n");
}

}  // namespace
}  // namespace campaigns
