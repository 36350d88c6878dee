// Built messages parsed back with GMime: structure (multipart/alternative or a single part), UTF-8
// charset, transfer encodings chosen by content, RFC 2047 headers, header and body lines within 998
// octets, the VERP return path and unsubscribe tokens verify, List-Unsubscribe(-Post), Feedback-ID,
// List-Id, Message-ID and Date, the unsubscribe footer, escaping, a missing field, and message_check.
#include "campaigns/message_builder.hpp"

#include <gmime/gmime.h>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "campaigns/memory_suppression_store.hpp"
#include "campaigns/message_check.hpp"
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

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find("\r\n", pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

// The unfolded value of the first header field named name.
std::string header(const std::string& message, const std::string& name) {
  std::string value;
  bool in_field = false;
  for (const auto& line : lines(message)) {
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
  EXPECT_EQ(lines(built.rendered.message.substr(0, built.rendered.message.find("\r\n\r\n"))).size() > 0,
            true);
  auto encoding = g_mime_part_get_content_encoding(GMIME_PART(parsed.body()));
  EXPECT_STREQ(g_mime_content_encoding_to_string(encoding), GetParam().encoding.c_str());
  std::string decoded = decoded_text(parsed.body());
  EXPECT_EQ(decoded.substr(0, GetParam().body.size()), GetParam().body);
  EXPECT_THAT(decoded, HasSubstr("\n\n-- \nUnsubscribe: https://acme.example/u?t="));  // footer added
  for (const auto& line : lines(built.rendered.message))
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
  for (const auto& line : lines(head)) {
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
