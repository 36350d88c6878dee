#include "mta/inbound/scan/spam_verdict.hpp"

#include <cstdio>
#include <vector>

#include "mta/inbound/message_fields.hpp"
#include "mta/smtp/ascii.hpp"

namespace mta::inbound::scan {
namespace {

constexpr std::string_view kCrlf = "\r\n";

std::size_t line_end(std::string_view message, std::size_t from) {
  auto newline = message.find('\n', from);
  return newline == std::string_view::npos ? message.size() : newline + 1;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Where the header section ends: the empty line, or the end of a message without a body.
std::size_t header_end(const std::vector<HeaderField>& fields) {
  return fields.empty() ? 0 : fields.back().end;
}

bool is_spam_field(std::string_view name) {
  constexpr std::string_view kPrefix = "X-Spam-";
  return smtp::iequals(name, "X-Spam") ||
         (name.size() > kPrefix.size() && smtp::iequals(name.substr(0, kPrefix.size()), kPrefix));
}

std::string_view without_trailing_blanks(std::string_view text) {
  while (!text.empty() && is_blank(text.back()))
    text.remove_suffix(1);
  return text;
}

const config::SpamLevelPolicy* level_policy(const config::SpamPolicy& policy, SpamLevel level) {
  switch (level) {
    case SpamLevel::low:
      return &policy.low;
    case SpamLevel::med:
      return &policy.med;
    case SpamLevel::high:
      return &policy.high;
    case SpamLevel::none:
      break;
  }
  return nullptr;
}

std::string score_text(double score) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", score);
  return text;
}

}  // namespace

std::string_view to_string(SpamLevel level) {
  switch (level) {
    case SpamLevel::none:
      return "none";
    case SpamLevel::low:
      return "low";
    case SpamLevel::med:
      return "med";
    case SpamLevel::high:
      return "high";
  }
  return "none";
}

SpamLevel level_for(const config::SpamPolicy& policy, double score) {
  if (score >= policy.high.score) return SpamLevel::high;
  if (score >= policy.med.score) return SpamLevel::med;
  if (score >= policy.low.score) return SpamLevel::low;
  return SpamLevel::none;
}

config::SpamAction action_for(const config::SpamPolicy& policy, SpamLevel level) {
  const auto* found = level_policy(policy, level);
  return found ? found->action : config::SpamAction::none;
}

std::string_view tag_for(const config::SpamPolicy& policy, SpamLevel level) {
  const auto* found = level_policy(policy, level);
  return found ? std::string_view(found->tag) : std::string_view();
}

std::string remove_spam_headers(std::string_view message) {
  return remove_fields(message, [](const HeaderField& field) { return is_spam_field(field.name); });
}

std::string tag_subject(std::string_view message, std::string_view tag) {
  std::string_view tag_text = without_trailing_blanks(tag);
  if (tag_text.empty()) return std::string(message);
  auto fields = header_fields(message);
  for (const auto& field : fields) {
    if (!smtp::iequals(field.name, "Subject")) continue;
    std::size_t value = message.find(':', field.begin) + 1;
    std::size_t first_line_end = line_end(message, value);
    if (first_line_end > value && message[first_line_end - 1] == '\n') --first_line_end;
    if (first_line_end > value && message[first_line_end - 1] == '\r') --first_line_end;
    std::size_t text = value;
    while (text < first_line_end && is_blank(message[text]))
      ++text;
    // One blank between the tag and the value; a value that starts on a continuation line (a long
    // encoded-word, say) stays there, after the tag alone on the first line.
    std::string out(message.substr(0, value));
    out.append(" ").append(tag_text);
    if (text < first_line_end) out.append(" ");
    out.append(message.substr(text));
    return out;
  }
  std::size_t end = header_end(fields);
  std::string out(message.substr(0, end));
  if (!out.empty() && out.back() != '\n') out.append(kCrlf);
  out.append("Subject: ").append(tag_text).append(kCrlf);
  out.append(message.substr(end));
  return out;
}

std::string mark_scanned(std::string_view message, const config::SpamPolicy& policy, double score) {
  std::string cleaned = remove_spam_headers(message);
  SpamLevel level = level_for(policy, score);
  auto action = action_for(policy, level);
  if (action != config::SpamAction::headers && action != config::SpamAction::tag) return cleaned;
  std::string out =
      "X-Spam-Level: " + std::string(to_string(level)) + "\r\nX-Spam-Score: " + score_text(score) + "\r\n";
  if (action == config::SpamAction::tag)
    out.append(tag_subject(cleaned, tag_for(policy, level)));
  else
    out.append(cleaned);
  return out;
}

std::string mark_unscanned(std::string_view message) {
  return "X-Spam-Status: unscanned (scanner unavailable)\r\n" + remove_spam_headers(message);
}

}  // namespace mta::inbound::scan
