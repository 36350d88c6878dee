#include "mta/smtp/message_headers.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include <openssl/rand.h>

#include "mta/smtp/ascii.hpp"

namespace mta::smtp {
namespace {

// Domains of every addr-spec in a From: value: the text after '@' up to a delimiter.
void collect_domains(std::string_view value, std::vector<std::string>& out) {
  for (std::size_t at = value.find('@'); at != std::string_view::npos; at = value.find('@', at + 1)) {
    std::size_t end = at + 1;
    while (end < value.size() && value[end] != '>' && value[end] != ',' && value[end] != ' ' &&
           value[end] != ';' && value[end] != ')' && value[end] != '\r' && value[end] != '\n' &&
           value[end] != '\t')
      ++end;
    if (end > at + 1) out.push_back(ascii_lowered(value.substr(at + 1, end - at - 1)));
  }
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

std::string received_by(std::string_view value) {
  // Words outside comments (RFC 5322 CFWS; comments nest, and may hold "by" themselves).
  std::vector<std::string_view> words;
  int depth = 0;
  std::size_t start = std::string_view::npos;
  for (std::size_t i = 0; i <= value.size() && words.size() < 64; ++i) {
    char c = i < value.size() ? value[i] : ' ';
    bool separator = is_space(c) || c == '(' || c == ')' || c == ';';
    if (separator && start != std::string_view::npos) {
      words.push_back(value.substr(start, i - start));
      start = std::string_view::npos;
    }
    if (c == '\\' && depth > 0)
      ++i;
    else if (c == '(')
      ++depth;
    else if (c == ')' && depth > 0)
      --depth;
    else if (c == ';' && depth == 0)
      break;  // the date follows
    else if (!separator && depth == 0 && start == std::string_view::npos)
      start = i;
  }
  std::size_t first = !words.empty() && iequals(words[0], "from") ? 2 : 0;  // a HELO of "by" is no clause
  for (std::size_t i = first; i + 1 < words.size(); ++i)
    if (iequals(words[i], "by")) return ascii_lowered(words[i + 1]);
  return {};
}

HeaderSummary scan_headers(std::string_view message, std::string_view own_hostname) {
  HeaderSummary summary;
  std::string current_name, current_value;
  std::string own = ascii_lowered(own_hostname);
  auto finish = [&] {
    if (current_name == "message-id") summary.has_message_id = true;
    if (current_name == "date") summary.has_date = true;
    if (current_name == "from") collect_domains(current_value, summary.from_domains);
    if (current_name == "received") {
      ++summary.received;
      if (!own.empty() && received_by(current_value) == own) ++summary.own_received;
    }
    current_name.clear();
    current_value.clear();
  };
  std::size_t pos = 0;
  while (pos < message.size()) {
    auto eol = message.find('\n', pos);
    std::string_view line = message.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? message.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      if (current_value.size() < 4096) current_value.append(line);
      continue;
    }
    finish();
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
      name.remove_suffix(1);
    current_name = ascii_lowered(name);
    current_value.assign(line.substr(colon + 1, 4096));
  }
  finish();
  return summary;
}

std::string rfc5322_date(std::int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %d %s %d %02d:%02d:%02d +0000",
                kDays[static_cast<std::size_t>(tm.tm_wday)], tm.tm_mday,
                kMonths[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buffer;
}

std::string new_message_id(std::string_view hostname) {
  unsigned char random[12];
  if (RAND_bytes(random, sizeof random) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "<";
  for (unsigned char c : random) {
    id.push_back(kHex[c >> 4]);
    id.push_back(kHex[c & 15]);
  }
  id += "@";
  id += hostname;
  id += ">";
  return id;
}

std::string received_header(const ReceivedInfo& info) {
  std::string out = "Received: from " + info.helo + " ([" + info.client_address + "])\r\n\tby " +
                    info.hostname + " with " + info.protocol;
  if (!info.tls.empty()) out += " (" + info.tls + ")";
  out += "\r\n";
  if (!info.recipient.empty())
    out += "\tfor <" + info.recipient + ">";
  else
    out += "\t";
  out += "; " + rfc5322_date(info.time) + "\r\n";
  return out;
}

}  // namespace mta::smtp
