#include "mta/inbound/scan/spam_verdict.hpp"

#include <cstdio>
#include <vector>

#include "mta/smtp/ascii.hpp"

namespace mta::inbound::scan {
namespace {

constexpr std::string_view kCrlf = "\r\n";

struct Field {
  std::size_t begin = 0;  // first byte of the name
  std::size_t end = 0;    // past the line end of its last continuation line
  std::string_view name;  // before the colon, trailing blanks removed; empty for a line without a colon
};

struct HeaderSection {
  std::vector<Field> fields;
  std::size_t end = 0;  // where the empty line (or the end of a message without a body) is
};

std::size_t line_end(std::string_view message, std::size_t from) {
  auto newline = message.find('\n', from);
  return newline == std::string_view::npos ? message.size() : newline + 1;
}

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

bool is_empty_line(std::string_view message, std::size_t at) {
  return message.substr(at).starts_with(kCrlf) || message.substr(at).starts_with("\n");
}

HeaderSection header_section(std::string_view message) {
  HeaderSection section;
  std::size_t at = 0;
  while (at < message.size() && !is_empty_line(message, at)) {
    Field field{at, line_end(message, at), {}};
    while (field.end < message.size() && is_blank(message[field.end]))
      field.end = line_end(message, field.end);
    std::string_view first_line = message.substr(at, line_end(message, at) - at);
    if (auto colon = first_line.find(':'); colon != std::string_view::npos && !is_blank(first_line[0])) {
      std::string_view name = first_line.substr(0, colon);
      while (!name.empty() && is_blank(name.back()))
        name.remove_suffix(1);
      field.name = name;
    }
    section.fields.push_back(field);
    at = field.end;
  }
  section.end = at;
  return section;
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
  auto section = header_section(message);
  std::string out;
  out.reserve(message.size());
  for (const auto& field : section.fields)
    if (!is_spam_field(field.name)) out.append(message.substr(field.begin, field.end - field.begin));
  out.append(message.substr(section.end));
  return out;
}

std::string tag_subject(std::string_view message, std::string_view tag) {
  std::string_view tag_text = without_trailing_blanks(tag);
  if (tag_text.empty()) return std::string(message);
  auto section = header_section(message);
  for (const auto& field : section.fields) {
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
  std::string out(message.substr(0, section.end));
  if (!out.empty() && out.back() != '\n') out.append(kCrlf);
  out.append("Subject: ").append(tag_text).append(kCrlf);
  out.append(message.substr(section.end));
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
