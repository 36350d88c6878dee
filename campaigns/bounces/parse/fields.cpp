// fields.cpp — field sections and small text scanners for the bounce parser; see fields.hpp.
#include "campaigns/bounces/parse/fields.hpp"

#include <algorithm>

namespace campaigns {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_local_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view(".!#$%&'*+/=?^_`{|}~-").find(c) != std::string_view::npos;
}

bool is_domain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The next line of text from pos (without its CR LF); pos moves past it.
std::string_view next_line(std::string_view text, std::size_t& pos) {
  auto eol = text.find('\n', pos);
  auto end = eol == std::string_view::npos ? text.size() : eol;
  std::string_view line = text.substr(pos, end - pos);
  pos = eol == std::string_view::npos ? text.size() : eol + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string trim_copy(std::string_view text) {
  std::size_t begin = 0, end = text.size();
  while (begin < end && is_space(text[begin]))
    ++begin;
  while (end > begin && is_space(text[end - 1]))
    --end;
  return std::string(text.substr(begin, end - begin));
}

std::string clean_value(std::string_view text, std::size_t max) {
  std::string out;
  bool space = false;
  for (unsigned char c : text) {
    if (out.size() >= max) break;
    if (c == '\t' || c == '\r' || c == '\n' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (c < 0x20 || c == 0x7f) continue;
    if (space) {
      if (out.size() + 1 >= max) break;
      out += ' ';
      space = false;
    }
    out += static_cast<char>(c);
  }
  return out;
}

std::vector<HeaderField> read_fields(std::string_view text, std::size_t max_fields, std::size_t max_value,
                                     std::size_t* consumed) {
  std::vector<HeaderField> fields;
  std::string value;  // raw value of the field being read, bounded
  bool open = false;
  auto close = [&] {
    if (open) fields.back().value = clean_value(value, max_value);
    open = false;
    value.clear();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::string_view line = next_line(text, pos);
    if (trim_copy(line).empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      if (open && value.size() < max_value) value.append(" ").append(line.substr(0, max_value));
      continue;
    }
    close();
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 76) continue;
    std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), [](char c) { return c > 32 && c < 127; })) continue;
    if (fields.size() >= max_fields) continue;
    fields.push_back({std::string(name), {}});
    open = true;
    value.assign(line.substr(colon + 1, max_value));
  }
  close();
  if (consumed) *consumed = pos;
  return fields;
}

std::vector<std::vector<HeaderField>> read_field_groups(std::string_view text, std::size_t max_groups,
                                                        std::size_t max_fields, std::size_t max_value) {
  std::vector<std::vector<HeaderField>> groups;
  std::size_t pos = 0;
  while (pos < text.size() && groups.size() < max_groups) {
    while (pos < text.size()) {  // skip empty lines between groups
      std::size_t at = pos;
      if (!trim_copy(next_line(text, at)).empty()) break;
      pos = at;
    }
    if (pos >= text.size()) break;
    std::size_t used = 0;
    auto group = read_fields(text.substr(pos), max_fields, max_value, &used);
    pos += used == 0 ? text.size() - pos : used;
    if (!group.empty()) groups.push_back(std::move(group));
  }
  return groups;
}

const HeaderField* find_field(const std::vector<HeaderField>& fields, std::string_view name) {
  auto wanted = ascii_lower(name);
  for (const auto& f : fields)
    if (f.name.size() == wanted.size() && ascii_lower(f.name) == wanted) return &f;
  return nullptr;
}

std::string field_value(const std::vector<HeaderField>& fields, std::string_view name) {
  const auto* f = find_field(fields, name);
  return f ? f->value : std::string();
}

std::string strip_type(std::string_view value) {
  auto semicolon = value.find(';');
  if (semicolon != std::string_view::npos) {
    std::string_view type = value.substr(0, semicolon);
    bool atom = !trim_copy(type).empty() && std::all_of(type.begin(), type.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
             c == '_' || c == '.' || c == ' ' || c == '\t';
    });
    if (atom) value = value.substr(semicolon + 1);
  }
  return trim_copy(value);
}

std::string bare_address(std::string_view value) {
  auto text = trim_copy(value);
  auto open = text.find('<');
  if (open != std::string::npos) {
    auto close = text.find('>', open);
    text = text.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
  }
  auto space = text.find_first_of(" \t(");
  if (space != std::string::npos) text.resize(space);
  return trim_copy(text);
}

std::vector<std::string> find_addresses(std::string_view text, std::size_t max) {
  std::vector<std::string> found;
  std::vector<std::string> seen;
  std::size_t at = 0;
  while (found.size() < max && (at = text.find('@', at)) != std::string_view::npos) {
    std::size_t begin = at, end = at + 1;
    while (begin > 0 && at - begin < 64 && is_local_char(text[begin - 1]))
      --begin;
    while (end < text.size() && end - at <= 255 && is_domain_char(text[end]))
      ++end;
    while (begin < at && text[begin] == '.')
      ++begin;
    while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-'))
      --end;
    std::string_view domain = text.substr(at + 1, end - at - 1);
    at = end > at ? end : at + 1;
    if (begin == at || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
        domain.find("..") != std::string_view::npos)
      continue;
    std::string_view local = text.substr(begin, domain.data() - text.data() - 1 - begin);
    if (local.empty()) continue;
    std::string address(local);
    address += '@';
    address += ascii_lower(domain);
    auto key = ascii_lower(address);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    found.push_back(std::move(address));
  }
  return found;
}

std::string find_enhanced_status(std::string_view text) {
  for (std::size_t i = 0; i + 5 <= text.size(); ++i) {
    char c = text[i];
    if ((c != '2' && c != '4' && c != '5') || text[i + 1] != '.') continue;
    if (i > 0 && (is_digit(text[i - 1]) || text[i - 1] == '.')) continue;
    std::size_t j = i + 2, digits = 0;
    while (j < text.size() && is_digit(text[j]) && digits < 3)
      ++j, ++digits;
    if (digits == 0 || j >= text.size() || text[j] != '.') continue;
    std::size_t k = j + 1, tail = 0;
    while (k < text.size() && is_digit(text[k]) && tail < 3)
      ++k, ++tail;
    if (tail == 0 || (k < text.size() && (is_digit(text[k]) || text[k] == '.'))) continue;
    return std::string(text.substr(i, k - i));
  }
  return {};
}

bool has_reply_code(std::string_view text) {
  for (std::size_t i = 0; i + 3 <= text.size(); ++i) {
    if ((text[i] != '4' && text[i] != '5') || !is_digit(text[i + 1]) || !is_digit(text[i + 2])) continue;
    if (i > 0 && (is_digit(text[i - 1]) || text[i - 1] == '.' || text[i - 1] == '-')) continue;
    if (i + 3 == text.size() || text[i + 3] == ' ' || text[i + 3] == '-' || text[i + 3] == '\t') return true;
  }
  return false;
}

}  // namespace campaigns
