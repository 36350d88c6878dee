#include "mta/inbound/message_fields.hpp"

#include "dns/ascii.hpp"

namespace mta::inbound {

std::vector<HeaderField> header_fields(std::string_view message) {
  std::vector<HeaderField> fields;
  std::size_t pos = 0;
  while (pos < message.size()) {
    std::size_t eol = message.find('\n', pos);
    std::size_t line_end = eol == std::string_view::npos ? message.size() : eol + 1;
    std::string_view line = message.substr(pos, line_end - pos);
    if (line == "\r\n" || line == "\n") break;  // the empty line: the body follows
    bool continuation = line[0] == ' ' || line[0] == '\t';
    if (continuation && !fields.empty()) {
      fields.back().end = line_end;
    } else {
      std::size_t colon = line.find(':');
      std::string_view name = colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      fields.push_back(HeaderField{name, pos, line_end});
    }
    pos = line_end;
  }
  return fields;
}

std::string remove_fields(std::string_view message, const std::function<bool(const HeaderField&)>& remove) {
  std::string out;
  out.reserve(message.size());
  std::size_t copied = 0;
  for (const auto& field : header_fields(message)) {
    if (!remove(field)) continue;
    out.append(message.substr(copied, field.begin - copied));
    copied = field.end;
  }
  out.append(message.substr(copied));
  return out;
}

void insert_after_first_received(std::string& message, std::string_view fields) {
  if (fields.empty()) return;
  for (const auto& field : header_fields(message))
    if (ascii::iequals(field.name, "Received")) {
      message.insert(field.end, fields);
      return;
    }
  message.insert(0, fields);
}

std::string strip_earlier_received(std::string_view message) {
  bool first = true;
  return remove_fields(message, [&first](const HeaderField& field) {
    if (!ascii::iequals(field.name, "Received")) return false;
    if (first) {
      first = false;
      return false;
    }
    return true;
  });
}

}  // namespace mta::inbound
