// message_builder.cpp — the message is written as text (campaigns/message/mime_writer): its structure is fixed
// (headers, at most one boundary, one or two text parts), so a GMime object tree per message would only
// cost time — about three quarters of it. What is the same for every recipient (From, Reply-To, List-Id,
// Feedback-ID) is formatted once per builder. Boundaries are "=_" + random per builder + a sequence number
// (unique per message; mime::choose_encoding keeps "=_" out of every part). Message-IDs are
// <campaign.recipient.run@from-domain>: unique per run and per recipient without a random number per
// message.
#include "campaigns/message/message_builder.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <gmime/gmime.h>

#include <openssl/rand.h>

#include "campaigns/message/mime_writer.hpp"
#include "mta/smtp/ascii.hpp"

namespace campaigns {
namespace {

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string random_name(std::size_t length) {
  std::vector<unsigned char> random(length);
  RAND_bytes(random.data(), static_cast<int>(random.size()));
  std::string out;
  for (unsigned char b : random)
    out += "0123456789abcdefghijklmnopqrstuv"[b & 31];
  return out;
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

std::size_t rfind_body_end(std::string_view html) {
  constexpr std::string_view tag = "</body>";
  for (std::size_t i = html.size() < tag.size() ? 0 : html.size() - tag.size() + 1; i-- > 0;)
    if (html[i] == '<' && mta::smtp::iequals(html.substr(i, tag.size()), tag)) return i;
  return std::string_view::npos;
}

std::string html_with_footer(std::string html, const std::string& url) {
  std::string footer = "<p style=\"font-size:small\"><a href=\"" + url + "\">Unsubscribe</a></p>\n";
  auto body_end = rfind_body_end(html);
  if (body_end == std::string::npos)
    html += "\n" + footer;
  else
    html.insert(body_end, footer);
  return html;
}

}  // namespace

struct MessageBuilder::Impl {
  const Campaign& campaign;
  const TokenSecret& secret;
  std::vector<std::string> columns;
  std::string run_id = random_name(5);
  std::string boundary_base = std::string(mime::kBoundaryPrefix) + random_name(12) + ".";
  std::uint64_t sequence = 0;
  std::string sender_headers;         // From, Reply-To
  std::string list_id_header;         // List-Id
  std::string fixed_tail;             // List-Unsubscribe-Post, Feedback-ID, MIME-Version
  BounceAddress unsubscribe_mailbox;  // the campaign file checked it
  std::int64_t date_second = -1;
  std::string date;
  Fields fields;
  mime::BodyEncoder encoder;
  std::size_t size_hint = 1024;

  Impl(const Campaign& c, const TokenSecret& s, std::vector<std::string> cols)
      : campaign(c),
        secret(s),
        columns(std::move(cols)),
        unsubscribe_mailbox(BounceAddress::parse(c.unsubscribe_mailto).value_or(BounceAddress{})) {
    mime::init();
    auto angle = [](const std::string& address) { return "<" + address + ">"; };
    mime::append_phrase_header(
        sender_headers, "From", c.from.display_name,
        c.from.display_name.empty() ? c.from.address.str() : angle(c.from.address.str()));
    if (c.reply_to)
      mime::append_phrase_header(
          sender_headers, "Reply-To", c.reply_to->display_name,
          c.reply_to->display_name.empty() ? c.reply_to->address.str() : angle(c.reply_to->address.str()));
    mime::append_phrase_header(list_id_header, "List-Id", c.name, angle(c.list_id));
    std::string feedback_id;
    for (const auto& part : c.feedback_parts)
      feedback_id += part + ":";
    feedback_id += c.feedback_sender;
    fixed_tail = "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nFeedback-ID: " + feedback_id +
                 "\r\nMIME-Version: 1.0\r\n";
  }

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

  void append_part(std::string& out, std::string_view subtype, const std::string& body) {
    auto encoding = mime::choose_encoding(body);
    out += "Content-Type: text/";
    out += subtype;
    out += "; charset=utf-8\r\nContent-Transfer-Encoding: ";
    out += mime::to_string(encoding);
    out += "\r\n\r\n";
    encoder.append(out, body, encoding);
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

  out.recipient = row.address.str();
  out.needs_smtputf8 = !is_ascii(out.recipient);
  std::string subject = c.subject.render(m.fields);
  std::replace_if(
      subject.begin(), subject.end(), [](char ch) { return ch == '\r' || ch == '\n'; }, ' ');
  std::string text, html;
  if (c.text) {
    text = c.text->render(m.fields);
    if (!c.text->uses("unsubscribe_url")) text += text_footer(unsubscribe);
  }
  if (c.html) {
    html = c.html->render(m.fields);
    if (!c.html->uses("unsubscribe_url")) html = html_with_footer(std::move(html), unsubscribe);
  }

  std::string& message = out.message;
  message.reserve(m.size_hint);
  message += m.sender_headers;
  // The address as it is: in UTF-8 when its local part is (RFC 6532); at most 254 octets.
  message += "To: " + out.recipient + "\r\n";
  mime::append_header(message, "Subject", mime::encode_text(subject));
  message += "Date: " + m.current_date() + "\r\n";
  message +=
      "Message-ID: <" + c.id.str() + "." + id.str() + "." + m.run_id + "@" + c.from.address.domain + ">\r\n";
  message += m.list_id_header;
  // Not folded at spaces nor encoded: RFC 2047 would break a URI. Each URI is at most ~600 octets (the
  // URL limit of the campaign file), so every line stays within 998.
  message += "List-Unsubscribe: <" + unsubscribe + ">,\r\n <" +
             mailto_with_token(m.unsubscribe_mailbox, token) + ">\r\n";
  message += m.fixed_tail;
  if (c.text && c.html) {
    std::string boundary = m.boundary_base + std::to_string(++m.sequence);
    message +=
        "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n--" + boundary + "\r\n";
    m.append_part(message, "plain", text);
    message += "\r\n--" + boundary + "\r\n";
    m.append_part(message, "html", html);
    message += "\r\n--" + boundary + "--\r\n";
  } else {
    m.append_part(message, c.text ? "plain" : "html", c.text ? text : html);
    if (!message.ends_with("\r\n")) message += "\r\n";  // SMTP's DATA ends with a whole line
  }
  m.size_hint = std::max(m.size_hint, message.size() + message.size() / 8);
  out.envelope_from = verp_address(c.bounce, token);
  return out;
}

}  // namespace campaigns
