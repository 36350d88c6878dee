// campaigns::extract_link_hosts and url_host: the link hosts of HTML (attributes, character references,
// comments, raw text, broken markup) and plain text (URLs, bare www. names, trailing punctuation), the
// URLs a browser accepts that a naive scan misses, the hosts kept apart (IP literals, non-ASCII names),
// what is left out (other schemes, one-label names), and the limits.
#include "campaigns/message/link_extraction.hpp"

#include <gtest/gtest.h>

namespace {

using campaigns::PartKind;
using Hosts = std::vector<std::string>;

struct Case {
  const char* label;
  PartKind kind;
  std::string input;
  Hosts expected;
  Hosts unchecked = {};
};

std::ostream& operator<<(std::ostream& out, const Case& c) {
  return out << c.label;
}

class LinkHosts : public ::testing::TestWithParam<Case> {};

TEST_P(LinkHosts, Extracts) {
  const auto& c = GetParam();
  campaigns::LinkHosts hosts;
  campaigns::extract_link_hosts(c.input, c.kind, hosts);
  EXPECT_EQ(hosts.names, c.expected) << c.input;
  EXPECT_EQ(hosts.unchecked, c.unchecked) << c.input;
}

const Case kCases[] = {
    {"plain_url", PartKind::text, "Read more: https://News.Example.com/a?b=c#d.", {"news.example.com"}},
    {"plain_several_deduped",
     PartKind::text,
     "http://a.example/x https://a.example/y (see https://b.example.org), www.c.example.net/z",
     {"a.example", "b.example.org", "www.c.example.net"}},
    {"plain_userinfo_and_port", PartKind::text, "https://user:pw@d.example:8443/p", {"d.example"}},
    {"plain_trailing_dot_host", PartKind::text, "go to http://e.example./now", {"e.example"}},
    {"plain_ignores_other_schemes", PartKind::text, "ftp://f.example mailto:x@g.example file:///etc", {}},
    {"plain_keeps_ipv4_literals_apart",
     PartKind::text,
     "http://192.0.2.1/ http://localhost/ https://x.example",
     {"x.example"},
     {"192.0.2.1"}},
    {"plain_www_inside_word_is_not_a_link", PartKind::text, "awww.example.com", {}},
    {"plain_angle_brackets", PartKind::text, "<https://h.example/u>", {"h.example"}},
    {"html_href_quoted_and_unquoted",
     PartKind::html,
     "<a href=\"https://a.example/1\">x</a><A HREF='http://b.example'>y</A><a href=https://c.example/3>z</a>",
     {"a.example", "b.example", "c.example"}},
    {"html_character_references",
     PartKind::html,
     "<a href=\"https&#58;//evil&#x2E;example/x\">x</a><a href=\"http&colon;&sol;&sol;d.example\">y</a>",
     {"evil.example", "d.example"}},
    {"html_whitespace_inside_href",
     PartKind::html,
     "<a href=\" ht\ntps://e.exa\tmple/ \">x</a>",
     {"e.example"}},
    {"html_scheme_relative_and_backslashes",
     PartKind::html,
     "<img src=\"//img.example/p.png\"><a href=\"https:\\\\f.example\\x\">x</a>",
     {"img.example", "f.example"}},
    {"html_percent_encoded_host", PartKind::html, "<a href=\"https://g%2Eexample/\">x</a>", {"g.example"}},
    {"html_text_and_entities_in_text",
     PartKind::html,
     "<p>visit www.h.example &amp; https://i.example</p>",
     {"www.h.example", "i.example"}},
    {"html_srcset_style_and_meta",
     PartKind::html,
     "<img srcset=\"https://j.example/1x.png 1x, https://k.example/2x.png 2x\">"
     "<td style=\"background:url(https://l.example/bg.png)\"><meta http-equiv=refresh "
     "content=\"0;url=https://m.example/\">",
     {"j.example", "k.example", "l.example", "m.example"}},
    {"html_comment_and_style_content",
     PartKind::html,
     "<!-- https://n.example --><style>.x{background:url('https://o.example/a')}</style>"
     "<script>var u=\"https://p.example\";</script>",
     {"n.example", "o.example", "p.example"}},
    {"html_non_url_attribute_ignored_unless_it_holds_a_url",
     PartKind::html,
     "<a title=\"example.com\" class=x href=\"#top\">x</a>",
     {}},
    {"html_broken_markup",
     PartKind::html,
     "<a href=\"https://q.example/ <p>unterminated <a href='https://r.example",
     {"q.example", "r.example"}},  // an unclosed quote runs to the end: all of it is the value
    {"html_lone_angle_brackets", PartKind::html, "1 < 2 > 0 <3 https://s.example", {"s.example"}},
    {"html_unknown_entity_is_literal",
     PartKind::html,
     "<a href=\"https://t.example/?a=1&b=2&bogus;\">x</a>",
     {"t.example"}},
    {"html_huge_numeric_reference",
     PartKind::html,
     "<a href=\"https://u&#99999999999999999999;.example\">x</a>",
     {},
     {"u%EF%BF%BD.example"}},
    {"html_underscore_host_left_out", PartKind::html, "<a href=\"https://v_w.example\">x</a>", {}},
    {"html_ip_and_non_ascii_hosts_kept_apart",
     PartKind::html,
     "<a href=\"http://[2001:DB8::1]:8080/\">a</a><a href=\"https://203.0.113.9/x\">b</a>"
     "<a href=\"https://b\xC3\xBC"
     "cher.example/\">c</a><a href=\"https://x%00y.example\">d</a>",
     {},
     {"[2001:db8::1]", "203.0.113.9", "b%C3%BCcher.example"}},  // x%00y: no host a browser opens
    {"html_empty", PartKind::html, "", {}},
    {"html_only_lt", PartKind::html, "<", {}},
};

INSTANTIATE_TEST_SUITE_P(Cases, LinkHosts, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

TEST(LinkHostsLimits, StopsAtMaxHosts) {
  std::string text;
  for (int i = 0; i < 50; ++i)
    text += "https://h" + std::to_string(i) + ".example/ ";
  campaigns::LinkHosts hosts;
  campaigns::extract_link_hosts(text + "http://192.0.2.1/", PartKind::text, hosts,
                                {.max_url = 4096, .max_hosts = 10});
  EXPECT_EQ(hosts.names.size(), 10u);
  EXPECT_EQ(hosts.names.front(), "h0.example");
  EXPECT_TRUE(hosts.unchecked.empty());
}

TEST(LinkHostsLimits, AddsToWhatIsThereOnce) {
  campaigns::LinkHosts hosts{{"a.example"}, {}};
  campaigns::extract_link_hosts("https://a.example https://b.example", PartKind::text, hosts);
  EXPECT_EQ(hosts.names, (Hosts{"a.example", "b.example"}));
}

TEST(LinkHostsLimits, LongUrlIsCutNotRejected) {
  const std::string text = "https://long.example/" + std::string(100000, 'a');
  campaigns::LinkHosts hosts;
  campaigns::extract_link_hosts(text, PartKind::text, hosts, {.max_url = 64, .max_hosts = 100});
  EXPECT_EQ(hosts.names, Hosts{"long.example"});
}

// "name", "unchecked:host" or "none".
std::string host_of(std::string_view url) {
  auto found = campaigns::url_host(url);
  if (!found) return "none";
  return found->name ? found->host : "unchecked:" + found->host;
}

TEST(UrlHost, SchemesAndHosts) {
  EXPECT_EQ(host_of("HTTPS://WWW.Example.COM:443/x"), "www.example.com");
  EXPECT_EQ(host_of("http:example.com"), "example.com");  // as browsers read it
  EXPECT_EQ(host_of("//cdn.example.net/x.js"), "cdn.example.net");
  EXPECT_EQ(host_of("javascript:alert(1)"), "none");
  EXPECT_EQ(host_of("/relative/path"), "none");
  EXPECT_EQ(host_of("https://"), "none");
  EXPECT_EQ(host_of("https://@"), "none");
  EXPECT_EQ(host_of("https://[::1"), "none");
  EXPECT_EQ(host_of("https://a@b@c.example"), "c.example");
  EXPECT_EQ(host_of("http://127.0.0.1:8080/"), "unchecked:127.0.0.1");
  EXPECT_EQ(host_of(""), "none");
}

}  // namespace
