#include "dns/rdns/dynamic_name.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <map>

#include "dns/ip_network.hpp"
#include "dns/name.hpp"

namespace dns::rdns {

namespace {

// Token -> weight. Strong: words only access networks use; weaker: words that also appear elsewhere.
const std::map<std::string, int, std::less<>>& dynamic_tokens() {
  static const std::map<std::string, int, std::less<>> tokens{
      {"dyn", 3},    {"dynamic", 3},   {"dynip", 3},    {"dhcp", 3},        {"pool", 3},   {"ppp", 3},
      {"pppoe", 3},  {"dial", 3},      {"dialup", 3},   {"dialin", 3},      {"dsl", 2},    {"adsl", 2},
      {"xdsl", 2},   {"vdsl", 2},      {"cable", 2},    {"catv", 2},        {"docsis", 2}, {"cpe", 2},
      {"modem", 2},  {"broadband", 2}, {"bb", 1},       {"wifi", 2},        {"wlan", 2},   {"gprs", 2},
      {"mobile", 2}, {"res", 1},       {"resi", 1},     {"residential", 2}, {"client", 1}, {"clients", 1},
      {"user", 1},   {"users", 1},     {"customer", 1}, {"cust", 1},        {"home", 1},   {"hsd", 1},
      {"fios", 2},   {"dip", 2},       {"nat", 1},      {"access", 1},      {"range", 1},  {"unassigned", 2},
      {"generic", 2}};
  return tokens;
}

const std::map<std::string, int, std::less<>>& static_tokens() {
  static const std::map<std::string, int, std::less<>> tokens{
      {"static", -3}, {"stat", -2},  {"fix", -3},  {"fixed", -3},  {"mail", -2},     {"mx", -2},
      {"smtp", -2},   {"relay", -2}, {"mta", -2},  {"out", -1},    {"outbound", -2}, {"bounce", -1},
      {"server", -1}, {"srv", -1},   {"colo", -1}, {"hosting", -1}};
  return tokens;
}

// The labels that describe the host: all but the registered domain (approximated as the last two labels,
// three when the second-level label is short, as in co.uk or com.mx).
std::string host_part(const std::string& name) {
  std::vector<std::size_t> dots;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (name[i] == '.') dots.push_back(i);
  std::size_t keep = 2;
  if (dots.size() >= 2) {
    std::size_t second_start = dots[dots.size() - 2] + 1;
    std::size_t second_length = dots.back() - second_start;
    if (second_length <= 3 && dots.size() >= 3) keep = 3;
  }
  if (dots.size() < keep) return "";
  return name.substr(0, dots[dots.size() - keep]);
}

std::vector<std::string> words(const std::string& text) {  // split at anything that is not a letter
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      word += c;
    } else if (!word.empty()) {
      out.push_back(word);
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(word);
  return out;
}

std::vector<std::string> numbers(const std::string& text) {
  std::vector<std::string> out;
  std::string number;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      number += c;
    } else if (!number.empty()) {
      out.push_back(number);
      number.clear();
    }
  }
  if (!number.empty()) out.push_back(number);
  return out;
}

// How many of the IPv4 octets appear, consecutively and in either order, as separate numbers in the name.
int embedded_octets(const std::string& text, const std::array<unsigned, 4>& octets) {
  auto found = numbers(text);
  std::vector<unsigned> values;
  for (const auto& n : found)
    values.push_back(n.size() <= 3 ? static_cast<unsigned>(std::stoul(n)) : 1000);
  int best = 0;
  for (int reverse = 0; reverse < 2; ++reverse) {
    for (std::size_t start = 0; start < values.size(); ++start) {
      int run = 0;
      for (int k = 0; k < 4 && start + run < values.size(); ++k) {
        unsigned octet = reverse ? octets[3 - k] : octets[k];
        if (values[start + run] != octet) break;
        ++run;
      }
      best = std::max(best, run);
    }
  }
  // Also the zero-padded 12-digit form: 067171000090.
  char padded[16];
  std::snprintf(padded, sizeof padded, "%03u%03u%03u%03u", octets[0], octets[1], octets[2], octets[3]);
  if (text.find(padded) != std::string::npos) best = 4;
  return best;
}

}  // namespace

std::vector<Reason> dynamic_name_reasons(std::string_view ptr_name, const asio::ip::address& ip_in) {
  std::vector<Reason> reasons;
  std::string name = canonical_name(ptr_name);
  std::string host = host_part(name);
  asio::ip::address ip = unmap_v4(ip_in);
  if (ip.is_v4()) {
    auto bytes = ip.to_v4().to_bytes();
    std::array<unsigned, 4> octets{bytes[0], bytes[1], bytes[2], bytes[3]};
    int embedded = embedded_octets(host, octets);
    if (embedded >= 3)
      reasons.push_back({"ip-in-name",
                         name + " contains " + std::to_string(embedded) + " octets of " + ip.to_string(),
                         embedded == 4 ? 3 : 2});
    char hex[9];
    std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", octets[0], octets[1], octets[2], octets[3]);
    if (host.find(hex) != std::string::npos)
      reasons.push_back({"ip-in-name", name + " contains " + ip.to_string() + " in hex (" + hex + ")", 3});
  } else {
    auto bytes = ip.to_v6().to_bytes();
    char tail[9];
    std::snprintf(tail, sizeof tail, "%02x%02x%02x%02x", bytes[12], bytes[13], bytes[14], bytes[15]);
    std::string compact;
    for (char c : host)
      if (std::isxdigit(static_cast<unsigned char>(c))) compact += c;
    if (compact.find(tail) != std::string::npos)
      reasons.push_back(
          {"ip-in-name", name + " contains the address's last 32 bits (" + std::string(tail) + ")", 3});
  }
  for (const auto& word : words(host)) {
    if (auto it = dynamic_tokens().find(word); it != dynamic_tokens().end())
      reasons.push_back({"dynamic-token",
                         "'" + word + "' in " + name + " suggests a dynamic or residential address",
                         it->second});
    else if (auto st = static_tokens().find(word); st != static_tokens().end())
      reasons.push_back({"static-token",
                         "'" + word + "' in " + name + " suggests a static or mail-server address",
                         st->second});
  }
  return reasons;
}

int score(const std::vector<Reason>& reasons) {
  int total = 0;
  for (const auto& reason : reasons)
    total += reason.weight;
  return total;
}

}  // namespace dns::rdns
