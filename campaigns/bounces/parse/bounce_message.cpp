// bounce_message.cpp — the order of recognition: a delivery-status part makes a DSN and a
// feedback-report part an ARF report (both carry Auto-Submitted, so they come first); then a known
// bounce text with failed recipients; then the signs of an automatic reply; then a message that says it
// is a bounce but names no recipient; anything else is unknown.
#include "campaigns/bounces/parse/bounce_message.hpp"

#include <algorithm>
#include <array>

#include "campaigns/bounces/parse/auto_reply.hpp"
#include "campaigns/bounces/parse/mime_walk.hpp"
#include "campaigns/bounces/parse/plain_bounce.hpp"

namespace campaigns {
namespace {

bool is_delivery_status(const MimeLeaf& leaf) {
  return leaf.type == "message/delivery-status" || leaf.type == "message/global-delivery-status";
}

bool is_feedback_report(const MimeLeaf& leaf) {
  return leaf.type == "message/feedback-report";
}

bool is_returned_header(const MimeLeaf& leaf) {
  return leaf.type == "text/rfc822-headers" || leaf.type == "message/rfc822-headers" ||
         leaf.type == "message/global-headers";
}

// Complaint formats older than RFC 5965 that still arrive: the returned message alone, recognised by
// who sends it and its subject.
struct LegacyComplaint {
  std::string_view name;
  std::string_view from;             // lower case, contained in From
  std::string_view subject_prefix;   // lower case
  std::string_view recipient_field;  // in the returned header: who complained
};

constexpr std::array kLegacyComplaints = {
    LegacyComplaint{"hotmail-jmrp", "staff@hotmail.com", "complaint about message from",
                    "X-HmXmrOriginalRecipient"},
    LegacyComplaint{"aol-scomp", "scomp@aol.net", "client tos notification", ""},
};

const LegacyComplaint* legacy_complaint(std::string_view from, std::string_view subject) {
  auto f = ascii_lower(from);
  auto s = ascii_lower(trim_copy(subject));
  for (const auto& c : kLegacyComplaints)
    if (f.find(c.from) != std::string::npos && s.rfind(c.subject_prefix, 0) == 0) return &c;
  return nullptr;
}

const MimeLeaf* first_leaf(const MimeWalk& walk, bool (*wanted)(const MimeLeaf&)) {
  for (const auto& leaf : walk.leaves)
    if (!leaf.in_embedded && wanted(leaf)) return &leaf;
  return nullptr;
}

// Markup removed, the few entities bounce pages use decoded, block ends as line breaks.
std::string html_text(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  for (std::size_t i = 0; i < html.size(); ++i) {
    if (html[i] == '<') {
      auto close = html.find('>', i);
      if (close == std::string_view::npos) break;
      auto tag = ascii_lower(html.substr(i + 1, std::min<std::size_t>(close - i - 1, 4)));
      if (tag.rfind("br", 0) == 0 || tag.rfind("/p", 0) == 0 || tag.rfind("/div", 0) == 0 ||
          tag.rfind("/tr", 0) == 0 || tag.rfind("p", 0) == 0)
        out += '\n';
      i = close;
      continue;
    }
    if (html[i] == '&') {
      bool replaced = false;
      for (auto [entity, text] :
           {std::pair{"&lt;", "<"}, std::pair{"&gt;", ">"}, std::pair{"&amp;", "&"}, std::pair{"&nbsp;", " "},
            std::pair{"&quot;", "\""}, std::pair{"&#39;", "'"}}) {
        std::string_view e(entity);
        if (html.substr(i, e.size()) == e) {
          out += text;
          i += e.size() - 1;
          replaced = true;
          break;
        }
      }
      if (replaced) continue;
    }
    out += html[i];
  }
  return out;
}

// The human-readable parts outside the returned message, joined, at most max bytes; HTML is read
// only when there is no plain text.
std::string readable_text(const MimeWalk& walk, std::size_t max) {
  std::string text;
  for (bool html : {false, true}) {
    for (const auto& leaf : walk.leaves) {
      if (leaf.in_embedded || text.size() >= max) continue;
      if (!html && leaf.type == "text/plain")
        text += leaf.content.substr(0, max - text.size()) + "\n";
      else if (html && leaf.type == "text/html")
        text += html_text(leaf.content).substr(0, max - text.size()) + "\n";
    }
    if (!text.empty()) break;
  }
  return text;
}

void add_candidate(std::vector<std::string>& candidates, std::string_view value, std::size_t max) {
  auto address = clean_value(bare_address(value), max);
  if (address.empty() || address.find('@') == std::string::npos) return;
  auto key = ascii_lower(address);
  for (const auto& c : candidates)
    if (ascii_lower(c) == key) return;
  candidates.push_back(std::move(address));
}

void take_original(ParsedBounce& out, const MimeWalk& walk, const BounceParseLimits& limits) {
  for (const auto& message : walk.embedded)
    if (!message.in_embedded) {
      out.original_header = message.header;
      return;
    }
  if (const auto* leaf = first_leaf(walk, is_returned_header))
    out.original_header = read_fields(leaf->content, 200, limits.max_field_length);
}

}  // namespace

std::string_view to_string(BounceKind kind) {
  switch (kind) {
    case BounceKind::dsn:
      return "dsn";
    case BounceKind::arf:
      return "arf";
    case BounceKind::plain_bounce:
      return "plain-bounce";
    case BounceKind::auto_reply:
      return "auto-reply";
    case BounceKind::unknown:
      return "unknown";
  }
  return "unknown";
}

ParsedBounce parse_bounce_message(std::string_view message, std::string_view envelope_recipient,
                                  const BounceParseLimits& limits) {
  ParsedBounce out;
  MimeLimits mime;
  mime.max_message_bytes = limits.max_message_bytes;
  mime.max_depth = limits.max_mime_depth;
  mime.max_parts = limits.max_parts;
  mime.max_field_length = limits.max_field_length;
  auto walk = walk_mime(message, mime);
  out.problems = std::move(walk.problems);
  out.truncated = walk.truncated;
  out.message_id = field_value(walk.header, "Message-ID");
  out.subject = walk.subject.empty() ? field_value(walk.header, "Subject") : walk.subject;
  out.from = field_value(walk.header, "From");
  take_original(out, walk, limits);

  const auto* status = first_leaf(walk, is_delivery_status);
  const auto* feedback = first_leaf(walk, is_feedback_report);
  if (walk.type == "multipart/report") {
    if (walk.report_type == "delivery-status" && !status)
      out.problems.push_back(
          "a multipart/report of report-type delivery-status without a message/delivery-status part");
    if (walk.report_type == "feedback-report" && !feedback)
      out.problems.push_back(
          "a multipart/report of report-type feedback-report without a message/feedback-report part");
  }
  const auto text = readable_text(walk, limits.max_text_scan);
  const auto failed_recipients = field_value(walk.header, "X-Failed-Recipients");
  const auto original_to = field_value(out.original_header, "To");
  PlainBounceInput plain_input{text, out.subject, out.from, {}, failed_recipients, original_to};
  // The original sender is named in bounce texts too (the bounce's To, the returned Return-Path), but is
  // never the failed recipient unless X-Failed-Recipients says so.
  auto failed_hint = ascii_lower(failed_recipients);
  auto exclude = [&](std::string_view address) {
    if (!address.empty() && failed_hint.find(ascii_lower(address)) == std::string::npos)
      plain_input.exclude.push_back(std::string(address));
  };
  exclude(bare_address(envelope_recipient));
  for (const auto& to : find_addresses(field_value(walk.header, "To"), 4))
    exclude(to);
  exclude(bare_address(field_value(out.original_header, "Return-Path")));
  PlainBounceLimits plain_limits{limits.max_text_scan, limits.max_recipients, limits.max_field_length};

  if (feedback && !status) {
    auto arf = parse_feedback_report(feedback->content, limits.max_field_length, limits.max_recipients);
    out.kind = BounceKind::arf;
    out.detail = "feedback-report";
    out.arf = std::move(arf.report);
    out.problems.insert(out.problems.end(), arf.problems.begin(), arf.problems.end());
  } else if (status) {
    auto dsn = parse_delivery_status(status->content, {limits.max_recipients, limits.max_field_length});
    out.kind = BounceKind::dsn;
    out.detail = "delivery-status";
    out.dsn = std::move(dsn.fields);
    out.recipients = std::move(dsn.recipients);
    out.problems.insert(out.problems.end(), dsn.problems.begin(), dsn.problems.end());
    if (out.recipients.empty()) {
      auto plain = find_plain_bounce(plain_input, plain_limits);
      if (!plain.recipients.empty()) {
        out.kind = BounceKind::plain_bounce;
        out.detail = "delivery-status unreadable; text: " + plain.pattern;
        out.recipients = std::move(plain.recipients);
      }
    }
  } else if (const auto* legacy = legacy_complaint(out.from, out.subject); legacy && !walk.embedded.empty()) {
    out.kind = BounceKind::arf;
    out.detail = legacy->name;
    ArfReport arf;
    arf.feedback_type = "abuse";
    arf.original_mail_from = bare_address(field_value(out.original_header, "Return-Path"));
    if (!legacy->recipient_field.empty())
      if (auto rcpt = bare_address(field_value(out.original_header, legacy->recipient_field)); !rcpt.empty())
        arf.original_rcpt_to.push_back(rcpt);
    out.arf = std::move(arf);
  } else {
    auto plain = find_plain_bounce(plain_input, plain_limits);
    if (!plain.recipients.empty()) {
      out.kind = BounceKind::plain_bounce;
      out.detail = plain.pattern;
      out.recipients = std::move(plain.recipients);
      if (out.original_header.empty()) out.original_header = std::move(plain.returned_header);
    } else if (auto sign = detect_auto_reply(walk.header, out.subject, text); !sign.empty()) {
      out.kind = BounceKind::auto_reply;
      out.detail = std::move(sign);
    } else if (!plain.pattern.empty() || looks_like_bounce_header(out.from, out.subject) ||
               walk.report_type == "delivery-status") {
      out.kind = BounceKind::plain_bounce;
      out.detail = plain.pattern.empty() ? "bounce header" : plain.pattern;
      out.problems.push_back("a bounce that names no failed recipient");
      if (out.original_header.empty()) out.original_header = std::move(plain.returned_header);
    }
  }

  out.original_message_id = field_value(out.original_header, "Message-ID");
  out.original_return_path = bare_address(field_value(out.original_header, "Return-Path"));
  add_candidate(out.token_candidates, envelope_recipient, limits.max_field_length);
  if (out.arf) add_candidate(out.token_candidates, out.arf->original_mail_from, limits.max_field_length);
  add_candidate(out.token_candidates, out.original_return_path, limits.max_field_length);
  return out;
}

}  // namespace campaigns
