// campaign_file.hpp — a campaign as its TOML file defines it (docs/campaigns.md has every key): identity,
// sender, templates (read and parsed here), the recipients CSV, the unsubscribe URL and mailto, List-Id,
// Feedback-ID, an optional send window and rate. Read through mta/config's TableReader, so every problem
// is a Diagnostic with line, column and key, unknown keys get a suggestion, and all are reported together.
// Relative paths are relative to the campaign file's directory. Untrusted input: the file and templates.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/formats/address.hpp"
#include "campaigns/campaign/template.hpp"
#include "campaigns/tokens/verp.hpp"
#include "mta/config/toml_reader.hpp"

namespace campaigns {

inline constexpr std::size_t kMaxTemplateSize = 1024 * 1024;

struct Mailbox {
  std::string display_name;  // UTF-8, may be empty
  Address address;
};

struct SendWindow {
  int start_minute = 0;  // minutes after midnight, in time_zone
  int end_minute = 0;    // may be before start: the window spans midnight
  std::string time_zone = "UTC";
};

struct SendRate {
  long long per_second = 0;  // 0: no limit
  long long per_hour = 0;
};

struct Campaign {
  CampaignId id;
  std::string name;
  Mailbox from;
  std::optional<Mailbox> reply_to;
  Template subject;
  std::optional<Template> text;
  std::optional<Template> html;
  std::filesystem::path recipients;
  std::string pool;  // empty: the daemon's choice
  BounceAddress bounce;
  std::string unsubscribe_url;              // https base; the signed token is added as ?t= (or &t=)
  std::string unsubscribe_mailto;           // a mailbox as bounce_address is: the token is added after '+'
  std::string view_online_url;              // https base or empty; token added like the unsubscribe URL
  std::vector<std::string> feedback_parts;  // 1-3 identifiers; default: the campaign id
  std::string feedback_sender;
  std::string list_id;  // RFC 2919 list-id: list-label.domain
  std::optional<SendWindow> window;
  SendRate rate;
};

struct CampaignLoad {
  std::optional<Campaign> campaign;  // set when there are no errors
  std::vector<mta::config::Diagnostic> errors;
  std::string source;
};

// base_dir resolves relative paths (templates, recipients).
CampaignLoad load_campaign_text(std::string_view text, std::string source,
                                const std::filesystem::path& base_dir);
CampaignLoad load_campaign_file(const std::filesystem::path& path);

// Built-in fields every template may use besides the CSV columns.
inline constexpr std::string_view kBuiltinFields[] = {"email", "recipient_id", "campaign_id",
                                                      "unsubscribe_url", "view_online_url"};

}  // namespace campaigns
