// template.hpp — a campaign template (Mustache, rendered by kainjow's header-only engine): parsed once,
// rendered per recipient with HTML escaping (HTML parts) or none (text parts and the subject).
// Fields: a {{name}} outside any {{#name}}/{{^name}} section of the same name is required; a field used as
// a section anywhere ({{^first_name}}there{{/first_name}} is its default) is optional. Errors: parse()
// names the template and line (unclosed tags and sections, partials, set-delimiter tags, which are
// refused). Untrusted input: the template text (operator's) and the field values (recipient CSV cells).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace campaigns {

enum class Escaping { html, none };

// The values a recipient gives its templates; a field that is absent (or was set empty) counts as missing.
class Fields {
 public:
  Fields();
  ~Fields();
  Fields(Fields&&) noexcept;
  Fields& operator=(Fields&&) noexcept;

  void set(const std::string& name, const std::string& value);  // an empty value leaves the field absent
  bool has(const std::string& name) const;
  void clear();

 private:
  friend class Template;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Template {
 public:
  struct Parsed;
  // name: how errors and messages refer to it ("news.html").
  static Parsed parse(std::string_view text, std::string name, Escaping escaping);

  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;
  ~Template();

  const std::string& name() const;
  // Fields the template cannot render without, in order of first use.
  const std::vector<std::string>& required_fields() const;
  // Whether any tag names the field (as a variable or a section).
  bool uses(std::string_view field) const;
  // The first required field that fields lacks, or nothing.
  std::optional<std::string> missing_field(const Fields& fields) const;
  // The template rendered with fields (absent fields render empty: check missing_field first).
  std::string render(const Fields& fields) const;

 private:
  struct Impl;
  explicit Template(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct Template::Parsed {
  std::optional<Template> tmpl;
  std::string error;  // "NAME:LINE: what is wrong", when tmpl is empty
};

}  // namespace campaigns
