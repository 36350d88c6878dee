#include "dkim/tag_list.hpp"

#include <algorithm>

namespace dkim {
namespace {

bool is_wsp(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_wsp(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_wsp(text.back()))
    text.remove_suffix(1);
  return text;
}

bool valid_tag_name(std::string_view name) {
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace

Result<std::vector<Tag>> parse_tag_list(std::string_view text) {
  std::vector<Tag> tags;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto semicolon = text.find(';', pos);
    std::string_view spec = trim(
        text.substr(pos, semicolon == std::string_view::npos ? std::string_view::npos : semicolon - pos));
    bool last = semicolon == std::string_view::npos;
    pos = last ? text.size() + 1 : semicolon + 1;
    if (spec.empty()) {
      if (last) break;
      if (trim(text.substr(pos)).empty()) break;  // the optional trailing ';'
      return Error{"empty tag between two ';'"};
    }
    auto equals = spec.find('=');
    if (equals == std::string_view::npos) return Error{"\"" + std::string(spec) + "\" is not tag=value"};
    std::string name(trim(spec.substr(0, equals)));
    if (!valid_tag_name(name)) return Error{"\"" + name + "\" is not a valid tag name"};
    if (find_tag(tags, name)) return Error{"tag " + name + "= appears twice"};
    tags.push_back(Tag{name, std::string(trim(spec.substr(equals + 1)))});
  }
  return tags;
}

const std::string* find_tag(const std::vector<Tag>& tags, std::string_view name) {
  for (const auto& tag : tags)
    if (tag.name == name) return &tag.value;
  return nullptr;
}

std::string strip_whitespace(std::string_view value) {
  std::string out;
  for (char c : value)
    if (!is_wsp(c)) out += c;
  return out;
}

}  // namespace dkim
