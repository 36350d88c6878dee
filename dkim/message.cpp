#include "dkim/message.hpp"

#include <algorithm>

#include "dns/name.hpp"

namespace dkim {
namespace {

std::string printable(std::string_view line) {
  std::string out;
  for (char c : line.substr(0, 60))
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  if (line.size() > 60) out += "...";
  return out;
}

bool valid_field_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 33 && u <= 126 && c != ':';
  });
}

// Splits "a, b" into mailboxes at top-level commas, each reduced to its addr-spec (comments and display
// names dropped).
std::vector<std::string> addresses(std::string_view value) {
  std::vector<std::string> out;
  std::string plain;  // outside comments, quotes kept out
  std::string angle;
  bool in_angle = false, has_angle = false, in_quote = false;
  int comment = 0;
  auto finish = [&] {
    std::string address = has_angle ? angle : plain;
    address.erase(std::remove_if(address.begin(), address.end(),
                                 [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }),
                  address.end());
    if (!address.empty()) out.push_back(address);
    plain.clear();
    angle.clear();
    has_angle = false;
  };
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (in_quote) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_quote = false;
      continue;
    }
    if (comment > 0) {
      if (c == '\\')
        ++i;
      else if (c == '(')
        ++comment;
      else if (c == ')')
        --comment;
      continue;
    }
    if (c == '"' && !in_angle) {
      in_quote = true;
    } else if (c == '(') {
      comment = 1;
    } else if (c == '<') {
      in_angle = has_angle = true;
      angle.clear();
    } else if (c == '>') {
      in_angle = false;
    } else if (c == ',' && !in_angle) {
      finish();
    } else if (c == ':' && !in_angle) {
      plain.clear();  // group name "undisclosed:" before its members
    } else if (c == ';' && !in_angle) {
      finish();
    } else {
      (in_angle ? angle : plain) += c;
    }
  }
  finish();
  return out;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view HeaderField::value() const {
  std::string_view all(text);
  auto colon = all.find(':');
  return colon == std::string_view::npos ? std::string_view() : all.substr(colon + 1);
}

std::vector<const HeaderField*> Message::fields(std::string_view name) const {
  std::vector<const HeaderField*> out;
  for (const auto& field : headers)
    if (iequals(field.name, name)) out.push_back(&field);
  return out;
}

Result<Message> parse_message(std::string_view input, const MessageLimits& limits) {
  if (input.size() > limits.max_message_bytes)
    return Error{"the message is " + std::to_string(input.size()) + " bytes, more than the limit of " +
                 std::to_string(limits.max_message_bytes)};
  Message message;
  auto first_lf = input.find('\n');
  message.crlf_input = first_lf != std::string_view::npos && first_lf > 0 && input[first_lf - 1] == '\r';
  std::size_t pos = 0, line_number = 0, header_bytes = 0;
  bool in_body = false;
  while (pos < input.size()) {
    auto lf = input.find('\n', pos);
    bool has_end = lf != std::string_view::npos;
    std::string_view line = input.substr(pos, has_end ? lf - pos : std::string_view::npos);
    pos = has_end ? lf + 1 : input.size();
    if (line.ends_with('\r')) line.remove_suffix(1);
    ++line_number;
    if (in_body) {
      message.body.append(line);
      if (has_end) message.body += "\r\n";
      continue;
    }
    header_bytes += line.size() + 2;
    if (header_bytes > limits.max_header_bytes)
      return Error{"the header section is larger than " + std::to_string(limits.max_header_bytes) + " bytes"};
    if (line.empty()) {
      in_body = true;
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (message.headers.empty())
        return Error{"header line " + std::to_string(line_number) +
                     " is a continuation line (starts with white space) before any header field"};
      auto& field = message.headers.back();
      if (field.text.size() + line.size() + 2 > limits.max_field_bytes)
        return Error{"header field " + field.name + " is longer than " +
                     std::to_string(limits.max_field_bytes) + " bytes"};
      field.text += "\r\n";
      field.text.append(line);
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return Error{"header line " + std::to_string(line_number) + " has no colon: \"" + printable(line) +
                   "\" (a header field is Name: value; the header ends at the first empty line)"};
    std::string_view name = line.substr(0, colon);
    if (!valid_field_name(name))
      return Error{"header line " + std::to_string(line_number) + " has an invalid field name \"" +
                   printable(name) + "\" (no spaces or control characters before the colon)"};
    if (line.size() > limits.max_field_bytes)
      return Error{"header field " + std::string(name) + " is longer than " +
                   std::to_string(limits.max_field_bytes) + " bytes"};
    if (message.headers.size() >= limits.max_fields)
      return Error{"the message has more than " + std::to_string(limits.max_fields) + " header fields"};
    message.headers.push_back(HeaderField{std::string(name), std::string(line)});
  }
  if (message.headers.empty()) return Error{"the message has no header fields"};
  return message;
}

Result<std::string> from_domain(const Message& message) {
  auto from = message.fields("From");
  if (from.empty()) return Error{"the message has no From header field (RFC 5322 §3.6 requires exactly one)"};
  if (from.size() > 1)
    return Error{"the message has " + std::to_string(from.size()) +
                 " From header fields (RFC 5322 §3.6 allows exactly one)"};
  auto list = addresses(from.front()->value());
  if (list.empty()) return Error{"the From header field has no address"};
  std::string domain;
  for (const auto& address : list) {
    auto at = address.rfind('@');
    if (at == std::string::npos)
      return Error{"the From address \"" + printable(address) + "\" has no @domain"};
    std::string this_domain = dns::canonical_name(address.substr(at + 1));
    if (!dns::is_valid_hostname(this_domain))
      return Error{"the From address \"" + printable(address) + "\" does not end in a valid domain name"};
    if (!domain.empty() && domain != this_domain)
      return Error{"the From field has addresses in two domains (" + domain + ", " + this_domain +
                   "): which one signs is ambiguous"};
    domain = this_domain;
  }
  return domain;
}

}  // namespace dkim
