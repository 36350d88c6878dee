// template.cpp — the tags are scanned here only to learn which fields a template uses and to refuse what
// campaigns do not support (partials, set-delimiter tags) with a line number; kainjow parses and renders.
#include "campaigns/campaign/template.hpp"

#include <algorithm>
#include <cstring>
#include <kainjow/mustache.hpp>
#include <set>

namespace campaigns {

namespace mustache = kainjow::mustache;

struct Fields::Impl {
  mustache::data data{mustache::data::type::object};
};

Fields::Fields() : impl_(std::make_unique<Impl>()) {}
Fields::~Fields() = default;
Fields::Fields(Fields&&) noexcept = default;
Fields& Fields::operator=(Fields&&) noexcept = default;

void Fields::set(const std::string& name, const std::string& value) {
  if (!value.empty()) impl_->data.set(name, value);
}

bool Fields::has(const std::string& name) const {
  return impl_->data.get(name) != nullptr;
}

void Fields::clear() {
  impl_->data = mustache::data(mustache::data::type::object);
}

struct Template::Impl {
  std::string name;
  mutable mustache::mustache engine;
  std::vector<std::string> required;
  std::set<std::string, std::less<>> used;
};

namespace {

std::size_t line_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 +
         static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  return std::string(text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1));
}

struct Scan {
  std::vector<std::string> variables;  // in order of first use
  std::set<std::string, std::less<>> sections;
  std::string error;
};

Scan scan_tags(std::string_view text, const std::string& name) {
  Scan scan;
  std::vector<std::pair<std::string, std::size_t>> open;  // section name, line
  auto fail = [&](std::size_t offset, const std::string& what) {
    scan.error = name + ":" + std::to_string(line_at(text, offset)) + ": " + what;
    return scan;
  };
  for (std::size_t pos = text.find("{{"); pos != std::string_view::npos; pos = text.find("{{", pos)) {
    bool triple = text.substr(pos, 3) == "{{{";
    std::string_view close = triple ? "}}}" : "}}";
    std::size_t start = pos + (triple ? 3 : 2);
    std::size_t end = text.find(close, start);
    if (end == std::string_view::npos)
      return fail(pos, "a tag opened here is never closed with " + std::string(close));
    std::string tag = trim(text.substr(start, end - start));
    pos = end + close.size();
    char sigil = triple || tag.empty() ? '\0' : tag.front();
    std::string field = std::strchr("#^/!>&=", sigil) && sigil ? trim(std::string_view(tag).substr(1)) : tag;
    switch (sigil) {
      case '!':
        continue;
      case '=':
        return fail(start, "set-delimiter tags ({{=...=}}) are not supported");
      case '>':
        return fail(start, "partials ({{> " + field + "}}) are not supported; put the text in the template");
      case '#':
      case '^':
        open.emplace_back(field, line_at(text, start));
        scan.sections.insert(field);
        continue;
      case '/':
        if (open.empty() || open.back().first != field)
          return fail(start, "{{/" + field + "}} closes " +
                                 (open.empty() ? std::string("no open section")
                                               : "nothing: the open section is {{#" + open.back().first +
                                                     "}} from line " + std::to_string(open.back().second)));
        open.pop_back();
        continue;
      default:
        break;
    }
    if (field.empty()) return fail(start, "an empty tag names no field");
    if (field != "." &&
        std::find(scan.variables.begin(), scan.variables.end(), field) == scan.variables.end())
      scan.variables.push_back(field);
  }
  if (!open.empty()) {
    scan.error = name + ":" + std::to_string(open.back().second) + ": the section {{#" + open.back().first +
                 "}} is never closed with {{/" + open.back().first + "}}";
  }
  return scan;
}

}  // namespace

Template::Template(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;
Template::~Template() = default;

Template::Parsed Template::parse(std::string_view text, std::string name, Escaping escaping) {
  Scan scan = scan_tags(text, name);
  if (!scan.error.empty()) return {std::nullopt, scan.error};
  auto impl = std::unique_ptr<Impl>(new Impl{name, mustache::mustache(std::string(text)), {}, {}});
  if (!impl->engine.is_valid()) {
    // kainjow says "... at OFFSET"; the scan above catches what it knows, this is the backstop.
    std::string message = impl->engine.error_message();
    auto at = message.rfind(" at ");
    if (at != std::string::npos) {
      std::size_t offset = std::strtoull(message.c_str() + at + 4, nullptr, 10);
      return {std::nullopt,
              name + ":" + std::to_string(line_at(text, offset)) + ": " + message.substr(0, at)};
    }
    return {std::nullopt, name + ": " + message};
  }
  if (escaping == Escaping::none) impl->engine.set_custom_escape([](const std::string& s) { return s; });
  for (const auto& field : scan.variables) {
    impl->used.insert(field);
    if (!scan.sections.contains(field)) impl->required.push_back(field);
  }
  impl->used.insert(scan.sections.begin(), scan.sections.end());
  return {Template(std::move(impl)), {}};
}

const std::string& Template::name() const {
  return impl_->name;
}

const std::vector<std::string>& Template::required_fields() const {
  return impl_->required;
}

bool Template::uses(std::string_view field) const {
  return impl_->used.find(field) != impl_->used.end();
}

std::optional<std::string> Template::missing_field(const Fields& fields) const {
  for (const auto& field : impl_->required)
    if (!fields.has(field)) return field;
  return std::nullopt;
}

std::string Template::render(const Fields& fields) const {
  return impl_->engine.render(fields.impl_->data);
}

}  // namespace campaigns
