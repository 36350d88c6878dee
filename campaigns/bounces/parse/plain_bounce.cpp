// plain_bounce.cpp — the table of bounce texts and the one scanner that reads them; see plain_bounce.hpp.
// A pattern matches when one of its markers occurs in the text; the failed recipients are the addresses
// between its start (or the marker) and the returned message (the first end marker after it). Each
// address's diagnostic is the first reply line (SMTP code or enhanced status) in the lines that follow
// one of its occurrences, before another address is named.
#include "campaigns/bounces/parse/plain_bounce.hpp"

#include <algorithm>
#include <array>
#include <span>

namespace campaigns {
namespace {

struct Pattern {
  std::string_view name;
  std::array<std::string_view, 6> markers;  // lower case; any one identifies the text
  std::array<std::string_view, 4> starts;   // the failed-recipient list begins after the first found
  bool needs_bounce_header = false;         // weak markers: only for mail that says it is a bounce
};

// Ordered: the first pattern with a marker in the text is used.
constexpr std::array kPatterns = {
    Pattern{
        "qmail", {"this is the qmail-send program", "hi. this is the qmail", "qmail-send program at"}, {}},
    Pattern{"exim",
            {"this message was created automatically by mail delivery software",
             "could not be delivered to one or more of its"},
            {"failed:", "could not be delivered to one or more of its"}},
    Pattern{"courier",
            {"running the courier mail server", "courier mail server at"},
            {"cannot be delivered:", "undeliverable mail"}},
    Pattern{"sendmail",
            {"----- the following addresses had permanent fatal errors -----",
             "----- transcript of session follows -----", "the original message was received at"},
            {"----- the following addresses had", "----- transcript of session follows"}},
    Pattern{"postfix",
            {"i'm sorry to have to inform you that your message could not", "this is the mail system at host",
             "this is the postfix program at host"},
            {"the mail system", "could not be delivered to one or more"}},
    Pattern{
        "exchange",
        {"delivery has failed to these recipients or groups", "your message did not reach some or all",
         "the following recipient(s) cannot be reached", "could not be delivered to the following recipients",
         "did not reach the following recipient(s)"},
        {"delivery has failed to these recipients", "did not reach some or all of the intended recipients",
         "cannot be reached:", "did not reach the following recipient"}},
    Pattern{"gmail",
            {"delivery to the following recipient failed",
             "the email account that you tried to reach does not exist", "your message wasn't delivered to",
             "address not found"},
            {}},
    Pattern{"yahoo",
            {"sorry, we were unable to deliver your message to the following address",
             "message from yahoo.com", "this message was created automatically by mail delivery software"},
            {"to the following address"}},
    Pattern{"amazon-workmail",
            {"an error occurred while trying to deliver the mail to the following recipients"},
            {"to the following recipients"}},
    Pattern{"lotus-notes",
            {"was not delivered to:", "not listed in domino directory",
             "not listed in public name & address book", "------- failure reasons"},
            {"was not delivered to:", "------- failure reasons"}},
    Pattern{"groupwise",
            {"the message that you sent was not delivered to the following",
             "message could not be delivered to the following", "groupwise"},
            {"not delivered to the following", "delivered to the following"},
            true},
    Pattern{"generic",
            {"could not be delivered", "delivery to the following recipient", "undeliverable",
             "permanent error", "unknown user", "user unknown"},
            {"following recipient", "following address"},
            true},
};

// Where the returned message begins: the scan for recipients stops at the first one after the start.
constexpr std::array<std::string_view, 16> kReturnedMessage = {
    "\noriginal message follows",
    "--- the header of the original message is following",
    "--- below this line is a copy of the message",
    "--- enclosed are the original headers",
    "------ this is a copy of the message",
    "------ this is a copy of the body",
    "----- original message follows",
    "----- unsent message follows",
    "------- returned message",
    "----- original message -----",
    "-----original message-----",
    "original message headers:",
    "\nreturn-path:",
    "\nreceived: from",
    "\nreceived: by",
    "\nmessage-id:",
};

// Lines whose addresses are not failed recipients (the sender, ids, the reporting host's contacts).
constexpr std::array<std::string_view, 9> kSkipLines = {
    "from:", "sender:",        "message-id:", "reply-to:", "return-path:",
    "date:", "reporting-mta:", "received:",   "x-"};
constexpr std::array<std::string_view, 4> kNotRecipients = {"postmaster@", "mailer-daemon@", "abuse@",
                                                            "noreply@"};

constexpr std::size_t kWindowLines = 12;
constexpr std::size_t kDiagnosticLines = 4;
constexpr std::size_t kOccurrences = 8;

struct Line {
  std::size_t begin, end;  // in the text
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto eol = text.find('\n', pos);
    auto end = eol == std::string_view::npos ? text.size() : eol;
    lines.push_back({pos, end});
    pos = end + 1;
  }
  return lines;
}

bool skipped_line(std::string_view lower_line) {
  auto text = trim_copy(lower_line);
  for (auto prefix : kSkipLines)
    if (text.rfind(prefix, 0) == 0) return true;
  return false;
}

bool not_a_recipient(const std::string& lower_address, const std::vector<std::string>& exclude) {
  for (auto prefix : kNotRecipients)
    if (lower_address.rfind(prefix, 0) == 0) return true;
  return std::any_of(exclude.begin(), exclude.end(),
                     [&](const std::string& e) { return ascii_lower(e) == lower_address; });
}

bool is_reply_line(std::string_view line) {
  return has_reply_code(line) || !find_enhanced_status(line).empty();
}

struct Scanner {
  std::string_view text;  // original case
  std::string lower;      // same offsets
  std::vector<Line> lines;
  std::size_t max_value;

  std::string_view line(std::size_t i) const {
    return text.substr(lines[i].begin, lines[i].end - lines[i].begin);
  }
  std::string_view lower_line(std::size_t i) const {
    return std::string_view(lower).substr(lines[i].begin, lines[i].end - lines[i].begin);
  }

  const std::vector<std::string>* recipients = nullptr;  // the failed recipients found (lower case)

  // Lines from first to the line before the next one naming another failed recipient.
  std::size_t window_end(std::size_t first, std::size_t last, const std::string& address) const {
    std::size_t i = first + 1;
    for (; i < last && i < first + kWindowLines; ++i) {
      auto text = lower_line(i);
      if (text.find(address) != std::string_view::npos || text.find('@') == std::string_view::npos) continue;
      auto found = find_addresses(text, 8);
      if (std::any_of(found.begin(), found.end(), [&](const std::string& a) {
            return a != address && std::find(recipients->begin(), recipients->end(), a) != recipients->end();
          }))
        break;
    }
    return i;
  }

  // The reply line at or after i in [i, end) and its continuation lines (until an empty line).
  std::string reply_from(std::size_t i, std::size_t end) const {
    std::string out;
    for (std::size_t n = 0; i < end && n < kDiagnosticLines && !trim_copy(line(i)).empty(); ++i, ++n)
      out += std::string(line(i)) + " ";
    return clean_value(out, max_value);
  }

  std::string diagnostic(const std::vector<std::size_t>& occurrences, std::size_t first, std::size_t last,
                         const std::string& address) const {
    for (std::size_t at : occurrences) {
      auto end = window_end(at, last, address);
      for (std::size_t i = at; i < end; ++i)
        if (is_reply_line(line(i))) return reply_from(i, end);
    }
    // No reply line: the address's line and the text after it (Lotus Notes' "because: ...").
    std::size_t at = occurrences.front();
    auto end = window_end(at, last, address);
    std::string out;
    std::size_t taken = 0;
    for (std::size_t i = at; i < end && taken < kDiagnosticLines; ++i) {
      auto l = trim_copy(line(i));
      if (l.empty() || ascii_lower(l) == address || ascii_lower(l) == "<" + address + ">") continue;
      out += l + " ";
      ++taken;
    }
    // Nothing after it: the reason stands on the line before (Lotus Notes' "Failure Reasons").
    for (std::size_t i = at; out.empty() && i > first && i + kWindowLines > at; --i) {
      auto l = trim_copy(line(i - 1));
      if (l.empty()) continue;
      if (l.front() != '-' && find_addresses(l, 1).empty()) out = l;
      break;
    }
    return clean_value(out, max_value);
  }
};

std::size_t find_first(std::string_view lower, std::size_t from, std::span<const std::string_view> needles) {
  std::size_t best = std::string_view::npos;
  for (auto needle : needles) {
    if (needle.empty()) continue;
    auto at = lower.find(needle, from);
    if (at < best) best = at;
  }
  return best;
}

}  // namespace

bool looks_like_bounce_header(std::string_view from, std::string_view subject) {
  auto f = ascii_lower(from);
  auto s = ascii_lower(subject);
  for (std::string_view who : {"mailer-daemon", "postmaster", "mail delivery", "mail administrator"})
    if (f.find(who) != std::string::npos) return true;
  for (std::string_view what :
       {"undeliver", "undelivered", "delivery status notification", "returned mail", "failure notice",
        "delivery failure", "mail delivery failed", "non-delivery", "nondeliverable", "delivery failed",
        "could not be delivered", "unzustellbar", "non remis", "no se puede entregar", "delivery problem"})
    if (s.find(what) != std::string::npos) return true;
  return false;
}

PlainBounce find_plain_bounce(const PlainBounceInput& input, const PlainBounceLimits& limits) {
  PlainBounce out;
  std::string text;
  text.reserve(std::min(input.text.size(), limits.max_text_bytes));
  for (char c : input.text.substr(0, limits.max_text_bytes))
    if (c != '\r') text += c;
  Scanner scan{text, ascii_lower(text), split_lines(text), limits.max_field_length};
  const bool bounce_header = looks_like_bounce_header(input.from, input.subject);

  const Pattern* pattern = nullptr;
  std::size_t marker = std::string_view::npos;
  for (const auto& p : kPatterns) {
    if (p.needs_bounce_header && !bounce_header) continue;
    marker = find_first(scan.lower, 0, p.markers);
    if (marker != std::string_view::npos) {
      pattern = &p;
      break;
    }
  }
  if (!pattern) return out;
  out.pattern = pattern->name;

  auto start = find_first(scan.lower, 0, pattern->starts);
  if (start == std::string_view::npos) start = marker;
  auto end = find_first(scan.lower, start + 1, kReturnedMessage);
  if (end == std::string_view::npos) end = text.size();

  if (end < text.size()) {
    auto header_at = text.find('\n', end + 1);
    while (header_at != std::string::npos && header_at + 1 < text.size() && text[header_at + 1] == '\n')
      ++header_at;
    if (header_at != std::string::npos) {
      auto fields = read_fields(std::string_view(text).substr(header_at + 1), 200, limits.max_field_length);
      if (fields.size() >= 2) out.returned_header = std::move(fields);
    }
  }

  // Addresses in [start, end), line by line, each with the lines it occurs on.
  std::vector<std::string> order;
  std::vector<std::vector<std::size_t>> occurrences;
  std::size_t first_line = 0, last_line = 0;
  for (std::size_t i = 0; i < scan.lines.size(); ++i) {
    if (scan.lines[i].end <= start) first_line = i + 1;
    if (scan.lines[i].begin < end) last_line = i + 1;
  }
  for (std::size_t i = first_line; i < last_line; ++i) {
    auto lower_line = scan.lower_line(i);
    if (lower_line.find('@') == std::string_view::npos || skipped_line(lower_line)) continue;
    for (auto& address : find_addresses(lower_line, 8)) {
      if (not_a_recipient(address, input.exclude)) continue;
      auto known = std::find(order.begin(), order.end(), address);
      if (known == order.end()) {
        if (order.size() >= limits.max_recipients) continue;
        order.push_back(address);
        occurrences.push_back({i});
      } else if (auto& seen = occurrences[known - order.begin()];
                 seen.size() < kOccurrences && seen.back() != i) {
        seen.push_back(i);
      }
    }
  }
  if (order.empty()) {
    // The text names none (Exim's "kijitora" without a domain): the header's list, with the first reply.
    std::string reply;
    for (std::size_t i = first_line; i < last_line && reply.empty(); ++i)
      if (is_reply_line(scan.line(i))) reply = scan.reply_from(i, last_line);
    // Then the returned message's To, when it names exactly one address (old Sendmail transcripts).
    auto hinted = find_addresses(input.failed_recipients, limits.max_recipients);
    if (hinted.empty()) {
      auto to =
          input.original_to.empty() ? field_value(out.returned_header, "To") : std::string(input.original_to);
      if (auto one = find_addresses(to, 2); one.size() == 1) hinted = std::move(one);
    }
    for (auto& address : hinted) {
      BounceRecipient r;
      r.address = clean_value(address, limits.max_field_length);
      r.action = "failed";
      r.diagnostic = reply;
      r.status = find_enhanced_status(reply);
      out.recipients.push_back(std::move(r));
    }
    return out;
  }
  scan.recipients = &order;
  for (std::size_t k = 0; k < order.size(); ++k) {
    BounceRecipient r;
    auto original = find_addresses(scan.line(occurrences[k].front()), 8);
    r.address = order[k];
    for (const auto& a : original)
      if (ascii_lower(a) == order[k]) r.address = clean_value(a, limits.max_field_length);
    r.action = "failed";
    r.diagnostic = scan.diagnostic(occurrences[k], first_line, last_line, order[k]);
    r.status = find_enhanced_status(r.diagnostic);
    out.recipients.push_back(std::move(r));
  }
  return out;
}

}  // namespace campaigns
