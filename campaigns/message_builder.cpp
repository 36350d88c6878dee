// message_builder.cpp — the header values that GMime would not encode for us (List-Id's phrase) are
// encoded with its RFC 2047 helper; everything else goes through GMime's typed setters, which fold
// header lines within 78 columns. Message-IDs are <campaign.recipient.run@from-domain>: unique per run
// and per recipient without a random number per message.
#include "campaigns/message_builder.hpp"

#include <algorithm>
#include <chrono>
#include <gmime/gmime.h>
#include <mutex>

#include <openssl/rand.h>

#include "mta/smtp/ascii.hpp"

namespace campaigns {
namespace {

void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

template <typename T>
struct GObjectRef {
  T* p = nullptr;
  explicit GObjectRef(T* object) : p(object) {}
  ~GObjectRef() {
    if (p) g_object_unref(p);
  }
  GObjectRef(const GObjectRef&) = delete;
  GObjectRef& operator=(const GObjectRef&) = delete;
};

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string with_token(const std::string& base, const std::string& token) {
  return base + (base.find('?') == std::string::npos ? "?t=" : "&t=") + token;
}

// mailto:unsubscribe+TOKEN@domain?subject=unsubscribe: the token is in the address, where a mail client
// cannot lose it (a subject can be edited); the daemon recognises it at RCPT like a VERP return path.
std::string mailto_with_token(const BounceAddress& mailbox, const std::string& token) {
  return "mailto:" + verp_address(mailbox, token) + "?subject=unsubscribe";
}

std::string text_footer(const std::string& url) {
  return "\n\n-- \nUnsubscribe: " + url + "\n";
}

std::string html_with_footer(std::string html, const std::string& url) {
  std::string footer = "<p style=\"font-size:small\"><a href=\"" + url + "\">Unsubscribe</a></p>\n";
  auto body_end = mta::smtp::ascii_lowered(html).rfind("</body>");
  if (body_end == std::string::npos)
    html += "\n" + footer;
  else
    html.insert(body_end, footer);
  return html;
}

// A display name is encoded in UTF-8 (GMime would pick ISO-8859-1 where it can).
void add_mailbox(GMimeMessage* message, GMimeAddressType type, const Mailbox& mailbox) {
  InternetAddress* address =
      internet_address_mailbox_new(mailbox.display_name.c_str(), mailbox.address.str().c_str());
  internet_address_set_charset(address, "utf-8");
  internet_address_list_add(g_mime_message_get_addresses(message, type), address);
  g_object_unref(address);
}

// The content is given as UTF-8 bytes: g_mime_text_part_set_text would convert it to the "best" charset
// (ISO-8859-1 for German text), and campaigns promise UTF-8.
GMimeObject* text_part(const char* subtype, const std::string& content) {
  GMimeTextPart* part = g_mime_text_part_new_with_subtype(subtype);
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(content.data(), content.size());
  GMimeDataWrapper* wrapper = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content(GMIME_PART(part), wrapper);
  g_object_unref(wrapper);
  g_object_unref(stream);
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
  auto encoding = g_mime_part_get_best_content_encoding(GMIME_PART(part), GMIME_ENCODING_CONSTRAINT_7BIT);
  g_mime_part_set_content_encoding(
      GMIME_PART(part), encoding == GMIME_CONTENT_ENCODING_DEFAULT ? GMIME_CONTENT_ENCODING_7BIT : encoding);
  return GMIME_OBJECT(part);
}

}  // namespace

struct MessageBuilder::Impl {
  const Campaign& campaign;
  const TokenSecret& secret;
  std::vector<std::string> columns;
  GMimeFormatOptions* format = nullptr;
  std::string run_id;
  std::string list_id;
  std::string feedback_id;
  BounceAddress unsubscribe_mailbox;  // the campaign file checked it
  std::int64_t date_second = -1;
  std::string date;
  Fields fields;

  Impl(const Campaign& c, const TokenSecret& s, std::vector<std::string> cols)
      : campaign(c),
        secret(s),
        columns(std::move(cols)),
        unsubscribe_mailbox(BounceAddress::parse(c.unsubscribe_mailto).value_or(BounceAddress{})) {
    init_gmime();
    format = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
    unsigned char random[5];
    RAND_bytes(random, sizeof random);
    for (unsigned char b : random)
      run_id += "0123456789abcdefghijklmnopqrstuv"[b & 31];
    if (campaign.name.empty()) {
      list_id = "<" + campaign.list_id + ">";
    } else {
      char* phrase = g_mime_utils_header_encode_phrase(nullptr, campaign.name.c_str(), "utf-8");
      std::string encoded = phrase;
      g_free(phrase);
      list_id = encoded + " <" + campaign.list_id + ">";  // GMime quotes or encodes the phrase as needed
    }
    for (const auto& part : campaign.feedback_parts)
      feedback_id += part + ":";
    feedback_id += campaign.feedback_sender;
  }
  ~Impl() { g_mime_format_options_free(format); }

  const std::string& current_date() {
    auto now = std::chrono::system_clock::now();
    auto second = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (second != date_second) {
      GDateTime* time = g_date_time_new_from_unix_local(second);
      char* text = g_mime_utils_header_format_date(time);
      date = text;
      g_free(text);
      g_date_time_unref(time);
      date_second = second;
    }
    return date;
  }
};

MessageBuilder::MessageBuilder(const Campaign& campaign, const TokenSecret& secret,
                               std::vector<std::string> columns)
    : impl_(std::make_unique<Impl>(campaign, secret, std::move(columns))) {}

MessageBuilder::~MessageBuilder() = default;

std::vector<std::string> MessageBuilder::unknown_fields() const {
  std::vector<std::string> out;
  const Campaign& c = impl_->campaign;
  for (const Template* tmpl : {&c.subject, c.text ? &*c.text : nullptr, c.html ? &*c.html : nullptr}) {
    if (!tmpl) continue;
    for (const auto& field : tmpl->required_fields()) {
      bool known =
          std::find(impl_->columns.begin(), impl_->columns.end(), field) != impl_->columns.end() ||
          std::find(std::begin(kBuiltinFields), std::end(kBuiltinFields), field) != std::end(kBuiltinFields);
      if (!known)
        out.push_back(tmpl->name() + " uses {{" + field +
                      "}}, which is neither a column nor a built-in field");
    }
  }
  return out;
}

RenderedMessage MessageBuilder::build(const RecipientRow& row) {
  Impl& m = *impl_;
  const Campaign& c = m.campaign;
  RenderedMessage out;
  const RecipientId& id = *row.id;
  const std::string token = make_token(m.secret, c.id, id);  // one MAC per message: HMAC is the costly part
  std::string unsubscribe = with_token(c.unsubscribe_url, token);
  m.fields.clear();
  for (std::size_t i = 0; i < m.columns.size() && i < row.cells.size(); ++i)
    m.fields.set(m.columns[i], row.cells[i]);
  m.fields.set("email", row.address.str());
  m.fields.set("recipient_id", id.str());
  m.fields.set("campaign_id", c.id.str());
  m.fields.set("unsubscribe_url", unsubscribe);
  if (!c.view_online_url.empty()) m.fields.set("view_online_url", with_token(c.view_online_url, token));
  for (const Template* tmpl : {&c.subject, c.text ? &*c.text : nullptr, c.html ? &*c.html : nullptr}) {
    if (!tmpl) continue;
    if (auto missing = tmpl->missing_field(m.fields)) {
      out.problem = "no value for {{" + *missing + "}}, which " + tmpl->name() + " uses without a default";
      return out;
    }
  }

  GObjectRef<GMimeMessage> message(g_mime_message_new(TRUE));
  GMimeObject* object = GMIME_OBJECT(message.p);
  add_mailbox(message.p, GMIME_ADDRESS_TYPE_FROM, c.from);
  if (c.reply_to) add_mailbox(message.p, GMIME_ADDRESS_TYPE_REPLY_TO, *c.reply_to);
  out.recipient = row.address.str();
  out.needs_smtputf8 = !is_ascii(out.recipient);
  g_mime_message_add_mailbox(message.p, GMIME_ADDRESS_TYPE_TO, nullptr, out.recipient.c_str());
  std::string subject = c.subject.render(m.fields);
  std::replace_if(
      subject.begin(), subject.end(), [](char ch) { return ch == '\r' || ch == '\n'; }, ' ');
  g_mime_message_set_subject(message.p, subject.c_str(), "utf-8");
  g_mime_object_set_header(object, "Date", m.current_date().c_str(), nullptr);
  std::string message_id = c.id.str() + "." + id.str() + "." + m.run_id + "@" + c.from.address.domain;
  g_mime_message_set_message_id(message.p, message_id.c_str());

  GMimeObject* text = nullptr;
  GMimeObject* html = nullptr;
  if (c.text) {
    std::string body = c.text->render(m.fields);
    if (!c.text->uses("unsubscribe_url")) body += text_footer(unsubscribe);
    text = text_part("plain", body);
  }
  if (c.html) {
    std::string body = c.html->render(m.fields);
    if (!c.html->uses("unsubscribe_url")) body = html_with_footer(std::move(body), unsubscribe);
    html = text_part("html", body);
  }
  if (text && html) {
    GMimeMultipart* alternative = g_mime_multipart_new_with_subtype("alternative");
    g_mime_multipart_add(alternative, text);
    g_mime_multipart_add(alternative, html);
    g_object_unref(text);
    g_object_unref(html);
    g_mime_message_set_mime_part(message.p, GMIME_OBJECT(alternative));
    g_object_unref(alternative);
  } else {
    GMimeObject* part = text ? text : html;
    g_mime_message_set_mime_part(message.p, part);
    g_object_unref(part);
  }
  char* bytes = g_mime_object_to_string(object, m.format);
  out.message = bytes;
  g_free(bytes);
  // Written as they are: GMime would RFC 2047-encode a URI longer than a line, which breaks it. Each URI
  // is at most ~600 octets (the URL limit of the campaign file), so every line stays within 998.
  std::string raw = "List-Id: " + m.list_id + "\r\nList-Unsubscribe: <" + unsubscribe + ">,\r\n <" +
                    mailto_with_token(m.unsubscribe_mailbox, token) +
                    ">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" +
                    "Feedback-ID: " + m.feedback_id + "\r\n";
  auto header_end = out.message.find("\r\n\r\n");
  out.message.insert(header_end == std::string::npos ? 0 : header_end + 2, raw);
  out.envelope_from = verp_address(c.bounce, token);
  return out;
}

}  // namespace campaigns
