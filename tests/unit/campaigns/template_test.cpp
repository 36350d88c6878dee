// Templates: HTML escaping in HTML templates and none in text, required fields and defaults (a field used
// in a section is optional), the missing field of a row, and syntax errors with the template's name and
// line.
#include "campaigns/campaign/template.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace campaigns {
namespace {

Template parse(std::string_view text, Escaping escaping = Escaping::none) {
  auto parsed = Template::parse(text, "t.txt", escaping);
  EXPECT_TRUE(parsed.tmpl) << parsed.error;
  return std::move(*parsed.tmpl);
}

Fields fields(std::initializer_list<std::pair<std::string, std::string>> values) {
  Fields out;
  for (const auto& [name, value] : values)
    out.set(name, value);
  return out;
}

struct RenderCase {
  std::string label;
  std::string text;
  Escaping escaping;
  std::vector<std::pair<std::string, std::string>> values;
  std::string expected;
};

class TemplateRender : public ::testing::TestWithParam<RenderCase> {};

TEST_P(TemplateRender, Renders) {
  const auto& p = GetParam();
  auto tmpl = parse(p.text, p.escaping);
  Fields f;
  for (const auto& [name, value] : p.values)
    f.set(name, value);
  EXPECT_EQ(tmpl.render(f), p.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, TemplateRender,
    ::testing::Values(
        RenderCase{"html_escaped",
                   "<p>{{x}}</p>",
                   Escaping::html,
                   {{"x", "<b>&\"'"}},
                   "<p>&lt;b&gt;&amp;&quot;&apos;</p>"},
        RenderCase{"html_triple_unescaped", "{{{x}}}", Escaping::html, {{"x", "<b>"}}, "<b>"},
        RenderCase{
            "text_not_escaped", "{{x}} & {{y}}", Escaping::none, {{"x", "<b>"}, {"y", "a&b"}}, "<b> & a&b"},
        RenderCase{"default_used", "Hi {{n}}{{^n}}there{{/n}}!", Escaping::none, {}, "Hi there!"},
        RenderCase{"default_skipped", "Hi {{n}}{{^n}}there{{/n}}!", Escaping::none, {{"n", "Jo"}}, "Hi Jo!"},
        RenderCase{
            "empty_cell_is_absent", "Hi {{n}}{{^n}}there{{/n}}!", Escaping::none, {{"n", ""}}, "Hi there!"},
        RenderCase{
            "conditional", "{{#vip}}VIP {{vip}}{{/vip}}.", Escaping::none, {{"vip", "gold"}}, "VIP gold."},
        RenderCase{"utf8", "Grüße {{n}}", Escaping::html, {{"n", "Zoë"}}, "Grüße Zoë"},
        RenderCase{"comment", "a{{! note }}b", Escaping::none, {}, "ab"}),
    [](const auto& info) { return info.param.label; });

TEST(Template, RequiredFieldsAndDefaults) {
  auto tmpl = parse("{{a}} {{b}}{{^b}}x{{/b}} {{#c}}{{c}}{{/c}} {{{d}}} {{& e}} {{a}}");
  EXPECT_EQ(tmpl.required_fields(), (std::vector<std::string>{"a", "d", "e"}));
  EXPECT_TRUE(tmpl.uses("b"));
  EXPECT_TRUE(tmpl.uses("c"));
  EXPECT_FALSE(tmpl.uses("f"));
  EXPECT_EQ(tmpl.missing_field(fields({{"a", "1"}, {"d", "2"}, {"e", "3"}})), std::nullopt);
  EXPECT_EQ(tmpl.missing_field(fields({{"a", "1"}, {"e", "3"}})), "d");
  EXPECT_EQ(tmpl.missing_field(fields({{"a", ""}, {"d", "2"}, {"e", "3"}})), "a");  // empty is missing
}

struct SyntaxCase {
  std::string label;
  std::string text;
  std::string expected;
};

class TemplateSyntax : public ::testing::TestWithParam<SyntaxCase> {};

TEST_P(TemplateSyntax, NamesFileAndLine) {
  auto parsed = Template::parse(GetParam().text, "news.html", Escaping::html);
  EXPECT_FALSE(parsed.tmpl);
  EXPECT_EQ(parsed.error, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, TemplateSyntax,
    ::testing::Values(
        SyntaxCase{"unclosed_tag", "a\nb {{name\nc",
                   "news.html:2: a tag opened here is never closed with }}"},
        SyntaxCase{"unclosed_triple", "{{{name}}", "news.html:1: a tag opened here is never closed with }}}"},
        SyntaxCase{"unclosed_section", "a\n{{#vip}}\nb\n",
                   "news.html:2: the section {{#vip}} is never closed with {{/vip}}"},
        SyntaxCase{"wrong_close", "{{#a}}\n\n{{/b}}",
                   "news.html:3: {{/b}} closes nothing: the open section is {{#a}} from line 1"},
        SyntaxCase{"stray_close", "x\n{{/a}}", "news.html:2: {{/a}} closes no open section"},
        SyntaxCase{"partial", "\n\n{{> footer}}",
                   "news.html:3: partials ({{> footer}}) are not supported; put the text in the template"},
        SyntaxCase{"set_delimiter", "{{=<% %>=}}",
                   "news.html:1: set-delimiter tags ({{=...=}}) are not supported"},
        SyntaxCase{"empty_tag", "{{ }}", "news.html:1: an empty tag names no field"}),
    [](const auto& info) { return info.param.label; });

}  // namespace
}  // namespace campaigns
