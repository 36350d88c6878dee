#include "mta/inbound/recipients/recipient_list.hpp"

#include <ctime>

#include "dns/name.hpp"
#include "mta/log/log.hpp"
#include "mta/smtp/ascii.hpp"
#include "mta/smtp/command_parser.hpp"

namespace mta::inbound {
namespace {

constexpr std::string_view kCatchAllPrefix = "*@";

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_blank(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back()))
    text.remove_suffix(1);
  return text;
}

// One line of at most kMaxLineLength octets (the rest of a longer line is read and dropped); false at the
// end.
bool read_line(std::streambuf& in, std::string& line, bool& too_long) {
  line.clear();
  too_long = false;
  bool any = false;
  for (int c = in.sbumpc(); c != std::char_traits<char>::eof(); c = in.sbumpc()) {
    any = true;
    if (c == '\n') return true;
    if (line.size() < kMaxLineLength)
      line.push_back(static_cast<char>(c));
    else
      too_long = true;
  }
  return any;
}

// The line without its comment: "#" at the start or after a blank ("#" may be part of a local part).
std::string_view without_comment(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] == '#' && (i == 0 || is_blank(line[i - 1]))) return line.substr(0, i);
  return line;
}

// The stored form of one address from the file, or what is wrong with it.
std::string parse_entry(std::string_view text, std::string_view domain, std::string& problem) {
  if (text.find_first_of(" \t") != std::string_view::npos) {
    problem = "more than one word on the line; put one address per line (a comment starts with \" #\")";
    return "";
  }
  std::string address;
  if (text.starts_with(kCatchAllPrefix)) {
    address = std::string(kCatchAllPrefix) + dns::canonical_name(text.substr(kCatchAllPrefix.size()));
  } else {
    auto normalized = normalize_recipient(text);
    if (!smtp::is_valid_mailbox(text, true) || !normalized) {
      problem =
          "'" + std::string(text) + "' is not an address (local-part@domain); correct or remove the line";
      return "";
    }
    address = *normalized;
  }
  std::string_view address_domain = std::string_view(address).substr(address.rfind('@') + 1);
  if (address_domain != domain) {
    problem = "'" + std::string(text) + "' is not at " + std::string(domain) +
              "; remove the line, or import it in a file of its own with --domain " +
              std::string(address_domain);
    return "";
  }
  return address;
}

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

}  // namespace

std::optional<std::string> normalize_recipient(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return std::nullopt;
  std::string domain = dns::canonical_name(address.substr(at + 1));
  if (!dns::is_valid_hostname(domain)) return std::nullopt;
  return smtp::ascii_lowered(address.substr(0, at)) + "@" + domain;
}

RecipientList::RecipientList(std::unique_ptr<store::Database> database) : database_(std::move(database)) {}

RecipientStatus RecipientList::check(std::string_view domain, std::string_view recipient) {
  try {
    auto status = lookup(domain, recipient);
    (status == RecipientStatus::valid ? counters_.valid : counters_.unknown)++;
    return status;
  } catch (const store::StoreError& error) {
    counters_.errors++;
    log::error("inbound.recipients.database_failed",
               {{"domain", domain}, {"recipient", recipient}, {"error", error.what()}});
    return RecipientStatus::unavailable;
  }
}

RecipientStatus RecipientList::lookup(std::string_view domain, std::string_view recipient) {
  auto at = recipient.rfind('@');
  if (at == std::string_view::npos) return RecipientStatus::unknown;
  std::string local = smtp::ascii_lowered(recipient.substr(0, at));
  std::string at_domain = "@" + dns::canonical_name(domain);
  std::string exact = local + at_domain;
  auto plus = local.find('+');
  std::string base = plus != std::string::npos && plus > 0 ? local.substr(0, plus) + at_domain : exact;
  std::string catch_all = "*" + at_domain;

  std::lock_guard lock(mutex_);
  if (!lookup_)
    lookup_ = std::make_unique<store::Statement>(
        *database_, "SELECT 1 FROM recipients WHERE address IN (?1, ?2, ?3) LIMIT 1");
  lookup_->reset();
  lookup_->bind(1, exact).bind(2, base).bind(3, catch_all);
  bool found = lookup_->step();
  lookup_->reset();  // ends the read, so the database's WAL can be checkpointed
  return found ? RecipientStatus::valid : RecipientStatus::unknown;
}

ImportReport RecipientList::import(std::istream& in, std::string_view domain, bool replace) {
  ImportReport report;
  std::string canonical = dns::canonical_name(domain);
  std::lock_guard lock(mutex_);
  store::Statement(*database_, "CREATE TEMP TABLE IF NOT EXISTS import_seen (address TEXT PRIMARY KEY)")
      .step();
  store::Transaction transaction(*database_);
  store::Statement(*database_, "DELETE FROM temp.import_seen").step();
  store::Statement insert(
      *database_, "INSERT OR IGNORE INTO recipients (address, domain, created_at) VALUES (?1, ?2, ?3)");
  store::Statement seen(*database_, "INSERT OR IGNORE INTO temp.import_seen (address) VALUES (?1)");
  const std::int64_t now = unix_now();

  auto note = [&report](std::size_t line, std::string problem) {
    if (report.problems.size() < kMaxReportedProblems) report.problems.push_back({line, std::move(problem)});
    report.problem_count++;
  };
  std::string line;
  bool too_long = false;
  std::size_t number = 0;
  while (in.rdbuf() && read_line(*in.rdbuf(), line, too_long)) {
    ++number;
    if (too_long) {
      note(number, "longer than " + std::to_string(kMaxLineLength) + " octets; put one address per line");
      continue;
    }
    std::string_view text = line;
    if (number == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte-order mark
    text = trimmed(without_comment(text));
    if (text.empty()) continue;
    std::string problem;
    std::string address = parse_entry(text, canonical, problem);
    if (address.empty()) {
      note(number, std::move(problem));
      continue;
    }
    if (report.problem_count > 0) continue;  // nothing will be written: only look for more problems
    insert.bind(1, address).bind(2, canonical).bind(3, now);
    insert.step();
    (database_->changes() > 0 ? report.added : report.already_present)++;
    insert.reset();
    if (replace) {
      seen.bind(1, address);
      seen.step();
      seen.reset();
    }
  }
  if (report.problem_count > 0) {
    report.added = report.already_present = 0;
    return report;  // rolled back
  }
  if (replace) {
    store::Statement prune(*database_,
                           "DELETE FROM recipients WHERE domain = ?1 AND address NOT IN "
                           "(SELECT address FROM temp.import_seen)");
    prune.bind(1, canonical).step();
    report.removed = static_cast<std::size_t>(database_->changes());
  }
  transaction.commit();
  return report;
}

std::vector<std::string> RecipientList::list(std::string_view domain) {
  std::lock_guard lock(mutex_);
  store::Statement statement(*database_, "SELECT address FROM recipients WHERE domain = ?1 ORDER BY address");
  statement.bind(1, dns::canonical_name(domain));
  std::vector<std::string> addresses;
  while (statement.step())
    addresses.push_back(statement.text(0));
  return addresses;
}

bool RecipientList::remove(std::string_view address) {
  std::string key;
  if (address.starts_with(kCatchAllPrefix)) {
    key = std::string(kCatchAllPrefix) + dns::canonical_name(address.substr(kCatchAllPrefix.size()));
  } else if (auto normalized = normalize_recipient(address)) {
    key = *normalized;
  } else {
    return false;
  }
  std::lock_guard lock(mutex_);
  store::Statement statement(*database_, "DELETE FROM recipients WHERE address = ?1");
  statement.bind(1, key).step();
  return database_->changes() > 0;
}

}  // namespace mta::inbound
