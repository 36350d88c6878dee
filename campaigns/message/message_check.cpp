// message_check.cpp — the header section is read here, line by line, because its syntax is what is being
// judged (GMime repairs what it parses); the bodies are decoded with GMime (multipart, quoted-printable,
// base64) to find the visible unsubscribe link and the link domains (campaigns/message/link_extraction).
#include "campaigns/message/message_check.hpp"

#include <algorithm>
#include <cctype>
#include <gmime/gmime.h>

#include "campaigns/formats/gmime_support.hpp"
#include <map>
#include <mutex>
#include <optional>

#include "campaigns/message/link_extraction.hpp"

namespace campaigns {
namespace {

using dns::preflight::Finding;
using dns::preflight::Status;

struct Field {
  std::string name;   // as written
  std::string lower;  // lower-cased, for comparison
  std::string value;  // unfolded (CRLF/LF before continuation lines removed), leading space trimmed
};

struct Header {
  std::vector<Field> fields;
  std::vector<std::string> problems;  // syntax: each a sentence
  bool eight_bit = false;
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

Header read_header(std::string_view message) {
  Header header;
  std::size_t pos = 0;
  std::size_t line_number = 0;
  bool ended = false;
  while (pos < message.size()) {
    auto eol = message.find('\n', pos);
    std::string_view line =
        message.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? message.size() : eol + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      ended = true;
      break;
    }
    if (line.size() > 998 && header.problems.size() < 20)
      header.problems.push_back("header line " + std::to_string(line_number) + " is " +
                                std::to_string(line.size()) + " octets; RFC 5322 §2.1.1 allows 998");
    for (char c : line)
      if (static_cast<unsigned char>(c) >= 0x80) header.eight_bit = true;
    if (line.front() == ' ' || line.front() == '\t') {
      if (header.fields.empty()) {
        header.problems.push_back("line 1 begins with white space: a continuation of no field");
        continue;
      }
      header.fields.back().value += " " + trim(line);
      continue;
    }
    auto colon = line.find(':');
    std::string_view name = line.substr(0, colon == std::string_view::npos ? 0 : colon);
    bool valid =
        colon != std::string_view::npos && !name.empty() &&
        std::all_of(name.begin(), name.end(), [](char c) { return c >= 33 && c <= 126 && c != ':'; });
    if (!valid) {
      if (header.problems.size() < 20) {
        std::string shown(line.substr(0, 60));
        for (auto& c : shown)
          if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) >= 127) c = '?';
        header.problems.push_back("header line " + std::to_string(line_number) +
                                  " is not a field (name, colon, value): \"" + shown + "\"");
      }
      continue;
    }
    header.fields.push_back({std::string(name), lower(name), trim(line.substr(colon + 1))});
  }
  if (!ended && pos >= message.size() && header.fields.empty())
    header.problems.push_back("the message has no header section");
  return header;
}

std::vector<const Field*> fields_named(const Header& header, std::string_view name) {
  std::vector<const Field*> out;
  for (const auto& f : header.fields)
    if (f.lower == name) out.push_back(&f);
  return out;
}

// The worst status wins; details and fixes accumulate.
struct Combined {
  Status status = Status::pass;
  std::vector<std::string> details;
  std::vector<std::string> fixes;
  static int rank(Status s) {
    return s == Status::pass ? 0 : s == Status::warn ? 1 : s == Status::error ? 2 : 3;
  }
  void note(Status s, std::string detail, std::string fix = {}) {
    if (dns::preflight::severity(s) > dns::preflight::severity(status)) status = s;
    details.push_back(std::move(detail));
    if (!fix.empty() && std::find(fixes.begin(), fixes.end(), fix) == fixes.end())
      fixes.push_back(std::move(fix));
  }
  Finding finding(std::string check, std::string subject) const {
    std::string detail, fix;
    for (const auto& d : details)
      detail += (detail.empty() ? "" : "; ") + d;
    for (const auto& f : fixes)
      fix += (fix.empty() ? "" : "; ") + f;
    return {std::move(check), std::move(subject), status, detail, fix};
  }
};

template <typename T>
using Ref = GObjectRef<T>;

struct Bodies {
  std::vector<std::string> texts;  // decoded text/plain and text/html parts
  std::vector<PartKind> kinds;     // of each text
  std::size_t total = 0;
};

void collect_part(GMimeObject* /*parent*/, GMimeObject* part, gpointer data) {
  auto* bodies = static_cast<Bodies*>(data);
  if (!GMIME_IS_PART(part)) return;
  GMimeContentType* type = g_mime_object_get_content_type(part);
  const bool html = type && g_mime_content_type_is_type(type, "text", "html");
  if (!html && !(type && g_mime_content_type_is_type(type, "text", "plain"))) return;
  GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(part));
  if (!content) return;
  Ref<GMimeStream> stream(g_mime_stream_mem_new());
  if (g_mime_data_wrapper_write_to_stream(content, stream.p) < 0) return;
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.p));
  if (!bytes || bodies->total + bytes->len > kMaxMessageSize) return;
  bodies->total += bytes->len;
  bodies->texts.emplace_back(reinterpret_cast<const char*>(bytes->data), bytes->len);
  bodies->kinds.push_back(html ? PartKind::html : PartKind::text);
}

std::optional<Bodies> decode_bodies(std::string_view message) {
  gmime_init_once();
  Ref<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(message.data(), message.size()));
  Ref<GMimeParser> parser(g_mime_parser_new_with_stream(stream.p));
  Ref<GMimeMessage> parsed(g_mime_parser_construct_message(parser.p, nullptr));
  if (!parsed.p) return std::nullopt;
  Bodies bodies;
  g_mime_message_foreach(parsed.p, collect_part, &bodies);
  return bodies;
}

Finding format_finding(const Header& header) {
  Combined c;
  for (const auto& problem : header.problems)
    c.note(Status::fail, problem, "write each header field as Name: value on lines of at most 998 octets");
  const auto from = fields_named(header, "from");
  if (from.empty())
    c.note(Status::fail, "no From field (RFC 5322 §3.6 requires exactly one)", "add a From: field");
  // §3.6: fields that may appear at most once.
  for (const char* name : {"from", "sender", "reply-to", "to", "cc", "bcc", "subject", "date", "message-id",
                           "in-reply-to", "references"}) {
    auto n = fields_named(header, name).size();
    if (n > 1)
      c.note(Status::fail, std::to_string(n) + " " + name + " fields (RFC 5322 §3.6 allows one)",
             "keep one of each single-instance field");
  }
  if (from.size() == 1) {
    gmime_init_once();
    InternetAddressList* list = internet_address_list_parse(nullptr, from.front()->value.c_str());
    int count = list ? internet_address_list_length(list) : 0;
    if (count == 0) {
      c.note(Status::fail, "From: \"" + from.front()->value.substr(0, 80) + "\" has no valid address",
             "write From: Name <local@domain>");
    } else if (count > 1 && fields_named(header, "sender").empty()) {
      c.note(Status::fail,
             "From has " + std::to_string(count) + " mailboxes and there is no Sender (RFC 5322 §3.6.2)",
             "use one From mailbox (several break DMARC at most receivers)");
    }
    if (list) g_object_unref(list);
  }
  const auto date = fields_named(header, "date");
  if (date.empty()) {
    c.note(Status::warn, "no Date field", "add Date: (relayctl adds one at submission, RFC 6409 §8)");
  } else {
    GDateTime* parsed = g_mime_utils_header_decode_date(date.front()->value.c_str());
    if (!parsed)
      c.note(Status::fail, "Date: \"" + date.front()->value.substr(0, 60) + "\" is not an RFC 5322 date",
             "write Date: Mon, 23 Nov 2026 10:00:00 +0000");
    else
      g_date_time_unref(parsed);
  }
  const auto id = fields_named(header, "message-id");
  if (id.empty()) {
    c.note(Status::warn, "no Message-ID field (Gmail expects one)",
           "add Message-ID: <unique@your-domain> (relayctl adds one at submission)");
  } else {
    const auto& v = id.front()->value;
    if (v.size() < 5 || v.front() != '<' || v.back() != '>' || v.find('@') == std::string::npos)
      c.note(Status::fail, "Message-ID \"" + v.substr(0, 60) + "\" is not <left@right> (RFC 5322 §3.6.4)",
             "write Message-ID: <unique@your-domain>");
  }
  if (fields_named(header, "subject").empty())
    c.note(Status::warn, "no Subject field", "give every campaign message a subject");
  if (header.eight_bit)
    c.note(Status::warn, "raw 8-bit characters in the header: only SMTPUTF8 receivers accept them",
           "encode non-ASCII header text as RFC 2047 encoded words");
  if (c.details.empty() || c.status == Status::pass) c.note(Status::pass, "well-formed RFC 5322 header");
  return c.finding("message-format", "header");
}

std::vector<Finding> unsubscribe_findings(const Header& header, const std::optional<Bodies>& bodies) {
  std::vector<Finding> out;
  // List-Unsubscribe (RFC 2369): comma-separated <URI>s.
  const auto lu = fields_named(header, "list-unsubscribe");
  Finding list{"unsubscribe", "List-Unsubscribe", Status::pass, "", ""};
  if (lu.empty()) {
    list.status = Status::fail;
    list.detail = "no List-Unsubscribe field";
    list.fix =
        "add List-Unsubscribe: <https://your-domain/unsubscribe/TOKEN>, <mailto:unsubscribe@your-domain>";
  } else {
    std::vector<std::string> uris;
    const auto& v = lu.front()->value;
    std::size_t pos = 0;
    while ((pos = v.find('<', pos)) != std::string::npos) {
      auto end = v.find('>', pos);
      if (end == std::string::npos) break;
      uris.push_back(trim(std::string_view(v).substr(pos + 1, end - pos - 1)));
      pos = end + 1;
    }
    bool https = false, http = false, mailto = false;
    for (const auto& uri : uris) {
      auto l = lower(uri);
      https = https || l.rfind("https://", 0) == 0;
      http = http || l.rfind("http://", 0) == 0;
      mailto = mailto || l.rfind("mailto:", 0) == 0;
    }
    if (https) {
      list.detail = "has an https URI" + std::string(mailto ? " and a mailto URI" : "");
    } else if (http) {
      list.status = Status::warn;
      list.detail = "its web URI is http, not https";
      list.fix = "serve the one-click unsubscribe URI over https";
    } else {
      list.status = Status::fail;
      list.detail = uris.empty() ? "\"" + v.substr(0, 80) + "\" has no <URI>"
                    : mailto     ? "mailto only: Gmail's one-click unsubscribe needs an https URI"
                                 : "no https URI";
      list.fix = "add <https://your-domain/unsubscribe/TOKEN> to List-Unsubscribe (RFC 8058)";
    }
  }
  out.push_back(std::move(list));

  const auto post = fields_named(header, "list-unsubscribe-post");
  Finding one_click{"unsubscribe", "List-Unsubscribe-Post", Status::pass, "List-Unsubscribe=One-Click", ""};
  if (post.empty() || post.front()->value != "List-Unsubscribe=One-Click") {
    one_click.status = Status::fail;
    one_click.detail =
        post.empty() ? "no List-Unsubscribe-Post field"
                     : "\"" + post.front()->value.substr(0, 60) + "\" is not List-Unsubscribe=One-Click";
    one_click.fix = "add List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058 §3.1)";
  }
  // RFC 8058 §4: both fields must be covered by a valid DKIM signature.
  for (const auto* sig : fields_named(header, "dkim-signature")) {
    auto tags = lower(sig->value);
    std::string h;
    auto at = tags.find("h=");
    while (at != std::string::npos && at > 0 && tags[at - 1] != ';' && tags[at - 1] != ' ' &&
           tags[at - 1] != '\t')
      at = tags.find("h=", at + 2);
    if (at != std::string::npos) h = tags.substr(at + 2, tags.find(';', at) - at - 2);
    h.erase(std::remove_if(h.begin(), h.end(), [](char c) { return c == ' ' || c == '\t'; }), h.end());
    auto covers = [&h](std::string_view name) {
      std::size_t p = 0;
      while (p <= h.size()) {
        auto e = h.find(':', p);
        if (h.substr(p, e == std::string::npos ? std::string::npos : e - p) == name) return true;
        if (e == std::string::npos) break;
        p = e + 1;
      }
      return false;
    };
    if (!covers("list-unsubscribe") || !covers("list-unsubscribe-post")) {
      one_click.status = Status::fail;
      one_click.detail += "; a DKIM signature does not cover List-Unsubscribe and List-Unsubscribe-Post";
      one_click.fix = "sign both fields (RFC 8058 §4; relayctl's signer includes them)";
    }
  }
  out.push_back(std::move(one_click));

  Finding visible{"unsubscribe", "visible link", Status::pass, "", ""};
  if (!bodies) {
    visible.status = Status::fail;
    visible.detail = "the message could not be parsed as MIME";
    visible.fix = "check the message's MIME structure";
  } else {
    bool found = false;
    for (const auto& text : bodies->texts) {
      auto l = lower(text);
      found = found || l.find("unsubscribe") != std::string::npos || l.find("opt out") != std::string::npos ||
              l.find("opt-out") != std::string::npos;
    }
    if (found) {
      visible.detail = "the body offers an unsubscribe link";
    } else {
      visible.status = Status::fail;
      visible.detail =
          bodies->texts.empty() ? "no text or HTML part" : "no unsubscribe link in the text or HTML parts";
      visible.fix = "add a clearly visible unsubscribe link to the message body (Gmail, Yahoo)";
    }
  }
  out.push_back(std::move(visible));
  return out;
}

Finding unchecked_links_finding(const std::vector<std::string>& hosts) {
  std::string listed;
  for (const auto& host : hosts)
    listed += (listed.empty() ? "" : ", ") + host;
  return {"links", "unchecked hosts", Status::warn,
          "links to " + listed +
              ": no domain blocklist can be asked about an IP address or a name not "
              "written as its xn-- A-label",
          "link to your own domain names (receivers distrust links to bare IP addresses); write an "
          "internationalised name as its A-label (xn--...)"};
}

}  // namespace

MessageCheck check_message(std::string_view message) {
  MessageCheck result;
  if (message.size() > kMaxMessageSize) {
    result.findings.push_back({"message-format", "size", Status::fail,
                               "the message is larger than " + std::to_string(kMaxMessageSize) + " octets",
                               "send smaller messages"});
    return result;
  }
  const auto header = read_header(message);
  result.findings.push_back(format_finding(header));
  const auto bodies = decode_bodies(message);
  for (auto& f : unsubscribe_findings(header, bodies))
    result.findings.push_back(std::move(f));
  LinkHosts links;
  if (bodies)
    for (std::size_t i = 0; i < bodies->texts.size(); ++i)
      extract_link_hosts(bodies->texts[i], bodies->kinds[i], links);
  if (!links.unchecked.empty()) result.findings.push_back(unchecked_links_finding(links.unchecked));
  result.link_domains = std::move(links.names);
  return result;
}

}  // namespace campaigns
