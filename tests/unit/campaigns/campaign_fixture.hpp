// campaign_fixture.hpp — a good campaign directory (TOML, templates, CSV) in a temp dir for the campaign
// file and message builder tests; each test changes one line of the TOML or one file.
#pragma once

#include <string>
#include <vector>

#include "campaigns/campaign/campaign_file.hpp"
#include "tests/support/temp_dir.hpp"

namespace campaigns::test {

// Line numbers matter: the campaign file tests name them.
inline const std::string kGoodCampaign =
    "id = \"spring-24\"\n"                                                     // 1
    "name = \"Spring news\"\n"                                                 // 2
    "from = \"Acme News <news@acme.example>\"\n"                               // 3
    "reply_to = \"help@acme.example\"\n"                                       // 4
    "subject = \"Hello {{first_name}}{{^first_name}}there{{/first_name}}\"\n"  // 5
    "text_template = \"news.txt\"\n"                                           // 6
    "html_template = \"news.html\"\n"                                          // 7
    "recipients = \"list.csv\"\n"                                              // 8
    "pool = \"bulk\"\n"                                                        // 9
    "bounce_address = \"bounces@bounce.acme.example\"\n"                       // 10
    "list_id = \"spring.news.acme.example\"\n"                                 // 11
    "\n"                                                                       // 12
    "[unsubscribe]\n"                                                          // 13
    "url = \"https://acme.example/u\"\n"                                       // 14
    "mailto = \"unsubscribe@acme.example\"\n"                                  // 15
    "\n"                                                                       // 16
    "[feedback_id]\n"                                                          // 17
    "parts = [\"spring-24\", \"news\"]\n"                                      // 18
    "sender = \"acme\"\n"                                                      // 19
    "\n"                                                                       // 20
    "[window]\n"                                                               // 21
    "start = \"09:00\"\n"                                                      // 22
    "end = \"18:00\"\n"                                                        // 23
    "time_zone = \"Europe/Berlin\"\n"                                          // 24
    "\n"                                                                       // 25
    "[rate]\n"                                                                 // 26
    "per_second = 50\n";                                                       // 27

inline const std::string kTextTemplate =
    "Hi {{first_name}}{{^first_name}}there{{/first_name}},\n\n{{offer}} <b>not bold</b> & more.\n"
    "Unsubscribe: {{unsubscribe_url}}\n";
inline const std::string kHtmlTemplate =
    "<html><body><p>Hi "
    "{{first_name}}{{^first_name}}there{{/first_name}},</p><p>{{offer}}</p></body></html>\n";
inline const std::string kCsv =
    "email,first_name,offer\njane@example.com,Jane,\"20% off <today> & \"\"more\"\"\"\n";

class CampaignDir {
 public:
  CampaignDir() {
    dir.write("news.txt", kTextTemplate);
    dir.write("news.html", kHtmlTemplate);
    dir.write("list.csv", kCsv);
  }
  CampaignLoad load(const std::string& toml) const { return load_campaign_text(toml, "c.toml", dir.path()); }
  relay::test::TempDir dir;
};

// kGoodCampaign with line `line` (1-based) replaced by text (empty text: the line removed).
inline std::string replace_line(const std::string& toml, int line, const std::string& text) {
  std::string out;
  int number = 1;
  std::size_t pos = 0;
  while (pos < toml.size()) {
    auto end = toml.find('\n', pos);
    std::string current = toml.substr(pos, end - pos);
    if (number == line) {
      if (!text.empty()) out += text + "\n";
    } else {
      out += current + "\n";
    }
    pos = end + 1;
    ++number;
  }
  return out;
}

// The lines of CRLF-terminated text, without their CRLF.
inline std::vector<std::string> crlf_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find("\r\n", pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

}  // namespace campaigns::test
