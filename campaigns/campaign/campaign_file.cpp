// campaign_file.cpp — reads the campaign TOML top to bottom with one TableReader per table; values are
// checked where they are read, so each problem carries its own line; templates are read and parsed here,
// their syntax errors reported at the key that names them.
#include "campaigns/campaign/campaign_file.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "campaigns/formats/utf8.hpp"
#include "dns/name.hpp"

namespace campaigns {
namespace {

using mta::config::Diagnostic;
using mta::config::TableReader;

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string trim(std::string_view text) {
  auto begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return std::string(text.substr(begin, text.find_last_not_of(" \t") - begin + 1));
}

// "Display Name <local@domain>", "\"Name, Inc.\" <local@domain>" or "local@domain".
std::optional<Mailbox> parse_mailbox(std::string_view text, std::string& problem) {
  Mailbox mailbox;
  std::string_view address = text;
  if (!text.empty() && text.back() == '>') {
    auto open = text.rfind('<');
    if (open == std::string_view::npos) {
      problem = "a '>' without its '<'; write \"Name <address>\"";
      return std::nullopt;
    }
    address = text.substr(open + 1, text.size() - open - 2);
    std::string name = trim(text.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    if (has_control(name) || name.find('"') != std::string::npos || name.size() > 200) {
      problem = "the display name must be at most 200 octets without quotes or control characters";
      return std::nullopt;
    }
    mailbox.display_name = std::move(name);
  }
  auto parsed = parse_address(address);
  if (!parsed.address) {
    problem = "'" + std::string(address) + "' is not an address: " + parsed.problem;
    return std::nullopt;
  }
  mailbox.address = *parsed.address;
  return mailbox;
}

std::string https_url_problem(const std::string& url) {
  constexpr std::string_view scheme = "https://";
  if (url.substr(0, scheme.size()) != scheme)
    return "must be an https:// URL (mailbox providers require https for one-click unsubscribe)";
  if (url.size() > 512) return "must be at most 512 octets";
  for (unsigned char c : url)
    if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '`' || c == '{' ||
        c == '}' || c == '|' || c == '#')
      return "must not hold spaces, non-ASCII octets, '#' or any of \"<>\\`{}|; percent-encode them";
  auto host_end = url.find_first_of("/?:", scheme.size());
  std::string host =
      url.substr(scheme.size(), host_end == std::string::npos ? std::string::npos : host_end - scheme.size());
  if (!dns::is_valid_hostname(host) || host.find('.') == std::string::npos)
    return "'" + host + "' is not a host name";
  return {};
}

bool is_identifier(std::string_view text, std::size_t max) {
  return !text.empty() && text.size() <= max && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

std::optional<int> parse_time_of_day(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (int i : {0, 1, 3, 4})
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  int hours = (text[0] - '0') * 10 + (text[1] - '0');
  int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

std::string time_zone_problem(const std::string& zone) {
  if (zone == "UTC") return {};
  bool syntax =
      !zone.empty() && zone.front() != '/' && zone.find("..") == std::string::npos &&
      std::all_of(zone.begin(), zone.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+';
      });
  std::error_code ec;
  if (!syntax || !std::filesystem::is_regular_file(std::filesystem::path("/usr/share/zoneinfo") / zone, ec))
    return "'" + zone + "' is not a time zone; use an IANA name such as \"Europe/Berlin\" or \"UTC\"";
  return {};
}

class Loader {
 public:
  Loader(std::vector<Diagnostic>& diagnostics, std::filesystem::path base_dir)
      : diagnostics_(diagnostics), base_dir_(std::move(base_dir)) {}

  std::optional<Campaign> load(const toml::table& root) {
    TableReader reader(root, "", diagnostics_);
    std::optional<CampaignId> id;
    std::string text;
    if (require(reader, "id", text)) {
      id = CampaignId::parse(text);
      if (!id)
        reader.error("id", "'" + text + "' is not a campaign id: 1-" + std::to_string(kMaxCampaignId) +
                               " lower-case letters, digits, '-' and '_', starting with a letter or digit");
    }
    std::string name;
    if (reader.read("name", name) && (has_control(name) || name.size() > 200))
      reader.error("name", "must be at most 200 octets without control characters");
    auto from = mailbox(reader, "from", true);
    auto reply_to = mailbox(reader, "reply_to", false);
    std::optional<Template> subject;
    if (require(reader, "subject", text)) {
      if (has_control(text) || text.size() > 500)
        reader.error("subject", "must be at most 500 octets without control characters (one line)");
      else
        subject = parse_template(reader, "subject", text, "subject", Escaping::none);
    }
    auto text_template = template_file(reader, "text_template", Escaping::none);
    auto html_template = template_file(reader, "html_template", Escaping::html);
    if (!reader.has("text_template") && !reader.has("html_template"))
      reader.error_here("a campaign needs text_template, html_template or both");
    std::filesystem::path recipients;
    if (require(reader, "recipients", text)) {
      recipients = resolve(text);
      std::error_code ec;
      if (!std::filesystem::is_regular_file(recipients, ec))
        reader.error("recipients", "cannot read " + recipients.string() + ": no such file");
    }
    std::string pool;
    if (reader.read("pool", pool) && !is_identifier(pool, 64))
      reader.error("pool", "'" + pool + "' is not a pool name (letters, digits, '-', '_', '.')");
    std::optional<BounceAddress> bounce;
    if (require(reader, "bounce_address", text)) {
      bounce = BounceAddress::parse(text);
      if (!bounce)
        reader.error("bounce_address", "'" + text + "' is not a bounce address: a local part of 1-" +
                                           std::to_string(kMaxBounceLocal) +
                                           " ASCII characters without '+' at a host name");
    }
    std::string list_id;
    if (require(reader, "list_id", list_id) &&
        (!dns::is_valid_hostname(list_id) || list_id.find('.') == std::string::npos || list_id.size() > 200))
      reader.error("list_id", "'" + list_id +
                                  "' is not a list id (RFC 2919: list-label.domain, such as "
                                  "\"news.example.com\")");
    std::string view_online;
    if (reader.read("view_online_url", view_online))
      if (auto problem = https_url_problem(view_online); !problem.empty())
        reader.error("view_online_url", "view_online_url " + problem);

    std::string unsubscribe_url, unsubscribe_mailto;
    if (auto table = reader.table("unsubscribe")) {
      if (require(*table, "url", unsubscribe_url))
        if (auto problem = https_url_problem(unsubscribe_url); !problem.empty())
          table->error("url", "unsubscribe url " + problem);
      if (require(*table, "mailto", unsubscribe_mailto)) {
        // The token goes into the local part (unsubscribe+TOKEN@domain), as in a return path.
        auto parsed = BounceAddress::parse(unsubscribe_mailto);
        if (!parsed)
          table->error("mailto", "'" + unsubscribe_mailto + "' is not an unsubscribe mailbox: a local part of 1-" +
                                     std::to_string(kMaxBounceLocal) +
                                     " ASCII characters without '+' (the token is added after a '+') and a "
                                     "host name, e.g. unsubscribe@news.example.com");
        else
          unsubscribe_mailto = parsed->local + "@" + parsed->domain;
      }
      table->finish();
    } else if (!reader.has("unsubscribe")) {
      reader.error_here("missing [unsubscribe] with url and mailto (RFC 8058 one-click unsubscribe)");
    }

    std::vector<std::string> feedback_parts;
    std::string feedback_sender;
    if (auto table = reader.table("feedback_id")) {
      for (auto& [part, node] : table->strings("parts")) {
        if (!is_identifier(part, 64))
          table->error_at(*node, table->key_path("parts"),
                          "'" + part + "' is not a Feedback-ID part (letters, digits, '-', '_', '.')");
        feedback_parts.push_back(part);
      }
      if (feedback_parts.size() > 3) table->error("parts", "at most 3 parts (Gmail's a:b:c:SenderId)");
      if (require(*table, "sender", feedback_sender) && !is_identifier(feedback_sender, 64))
        table->error("sender", "'" + feedback_sender +
                                   "' is not a Feedback-ID sender id (letters, digits, "
                                   "'-', '_', '.')");
      table->finish();
    } else if (!reader.has("feedback_id")) {
      reader.error_here("missing [feedback_id] with sender (Gmail's Feedback-ID a:b:c:SenderId)");
    }
    if (feedback_parts.empty() && id) feedback_parts.push_back(id->str());

    std::optional<SendWindow> window;
    if (auto table = reader.table("window")) window = read_window(*table);
    SendRate rate;
    if (auto table = reader.table("rate")) {
      table->read_integer("per_second", 1, 1'000'000, rate.per_second);
      table->read_integer("per_hour", 1, 1'000'000'000, rate.per_hour);
      table->finish();
    }
    reader.finish();

    for (auto* tmpl : {subject ? &*subject : nullptr, text_template ? &*text_template : nullptr,
                       html_template ? &*html_template : nullptr}) {
      if (tmpl && view_online.empty() && tmpl->uses("view_online_url"))
        reader.error_here(tmpl->name() + " uses view_online_url, but the campaign sets no view_online_url");
    }
    if (!diagnostics_.empty() || !id || !from || !subject || !bounce) return std::nullopt;
    return Campaign{.id = std::move(*id),
                    .name = std::move(name),
                    .from = std::move(*from),
                    .reply_to = std::move(reply_to),
                    .subject = std::move(*subject),
                    .text = std::move(text_template),
                    .html = std::move(html_template),
                    .recipients = std::move(recipients),
                    .pool = std::move(pool),
                    .bounce = std::move(*bounce),
                    .unsubscribe_url = std::move(unsubscribe_url),
                    .unsubscribe_mailto = std::move(unsubscribe_mailto),
                    .view_online_url = std::move(view_online),
                    .feedback_parts = std::move(feedback_parts),
                    .feedback_sender = std::move(feedback_sender),
                    .list_id = std::move(list_id),
                    .window = std::move(window),
                    .rate = rate};
  }

 private:
  bool require(TableReader& reader, std::string_view key, std::string& out) {
    if (reader.read(key, out)) return true;
    if (!reader.has(key)) reader.error_here("missing " + reader.key_path(key) + " (required)");
    return false;
  }

  std::optional<Mailbox> mailbox(TableReader& reader, std::string_view key, bool required) {
    std::string text;
    if (!(required ? require(reader, key, text) : reader.read(key, text))) return std::nullopt;
    std::string problem;
    auto parsed = parse_mailbox(text, problem);
    if (!parsed) reader.error(key, problem);
    return parsed;
  }

  std::filesystem::path resolve(const std::string& path) const {
    std::filesystem::path p(path);
    return p.is_absolute() ? p : base_dir_ / p;
  }

  std::optional<Template> parse_template(TableReader& reader, std::string_view key, std::string_view text,
                                         std::string name, Escaping escaping) {
    auto parsed = Template::parse(text, std::move(name), escaping);
    if (!parsed.tmpl) reader.error(key, "template error: " + parsed.error);
    return std::move(parsed.tmpl);
  }

  std::optional<Template> template_file(TableReader& reader, std::string_view key, Escaping escaping) {
    std::string text;
    if (!reader.read(key, text)) return std::nullopt;
    auto path = resolve(text);
    std::error_code ec;
    std::ifstream in(path, std::ios::binary);
    if (!std::filesystem::is_regular_file(path, ec) || !in) {
      reader.error(key, "cannot read " + path.string() + ": no such file");
      return std::nullopt;
    }
    auto size = std::filesystem::file_size(path, ec);
    if (ec || size > kMaxTemplateSize) {
      reader.error(key, path.string() + " is larger than " + std::to_string(kMaxTemplateSize) + " octets");
      return std::nullopt;
    }
    std::ostringstream content;
    content << in.rdbuf();
    const std::string bytes = content.str();
    if (auto at = invalid_utf8_at(bytes); at != std::string::npos) {
      auto line = 1 + std::count(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(at), '\n');
      reader.error(key, path.string() + ":" + std::to_string(line) +
                            ": not UTF-8 text (octet " + std::to_string(at + 1) +
                            "); save the template as UTF-8");
      return std::nullopt;
    }
    return parse_template(reader, key, bytes, path.string(), escaping);
  }

  std::optional<SendWindow> read_window(TableReader& table) {
    SendWindow window;
    std::optional<int> start, end;
    std::string text;
    for (auto [key, slot] : {std::pair{"start", &start}, std::pair{"end", &end}}) {
      if (!require(table, key, text)) continue;
      *slot = parse_time_of_day(text);
      if (!*slot) table.error(key, "'" + text + "' is not a time of day; write HH:MM (00:00 to 23:59)");
    }
    if (table.read("time_zone", window.time_zone))
      if (auto problem = time_zone_problem(window.time_zone); !problem.empty())
        table.error("time_zone", problem);
    table.finish();
    if (start && end && *start == *end) table.error("end", "the window is empty: end equals start");
    if (!start || !end) return std::nullopt;
    window.start_minute = *start;
    window.end_minute = *end;
    return window;
  }

  std::vector<Diagnostic>& diagnostics_;
  std::filesystem::path base_dir_;
};

}  // namespace

CampaignLoad load_campaign_text(std::string_view text, std::string source,
                                const std::filesystem::path& base_dir) {
  CampaignLoad result;
  result.source = std::move(source);
  toml::table document;
  try {
    document = toml::parse(text, result.source);
  } catch (const toml::parse_error& error) {
    result.errors.push_back(
        {error.source().begin.line, error.source().begin.column, "", std::string(error.description())});
    return result;
  }
  result.campaign = Loader(result.errors, base_dir).load(document);
  return result;
}

CampaignLoad load_campaign_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(path, ec)) {
    CampaignLoad result;
    result.source = path.string();
    result.errors.push_back({0, 0, "", "cannot read the campaign file: no such file"});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return load_campaign_text(text.str(), path.string(), path.parent_path().empty() ? "." : path.parent_path());
}

}  // namespace campaigns
