#include "campaigns/bounces/report/reply_normaliser.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace campaigns {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    std::size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// "5.1.1", "4.7.650": class.subject.detail (RFC 3463).
bool is_enhanced_code(std::string_view w) {
  if (w.size() < 5 || (w[0] != '2' && w[0] != '4' && w[0] != '5') || w[1] != '.') return false;
  int dots = 0;
  std::size_t run = 0;
  for (std::size_t i = 2; i < w.size(); ++i) {
    if (w[i] == '.') {
      if (run == 0) return false;
      ++dots, run = 0;
    } else if (is_digit(w[i]) && ++run <= 3) {
    } else {
      return false;
    }
  }
  return dots == 1 && run > 0;
}

bool is_reply_code(std::string_view w) {
  return w.size() == 3 && (w[0] == '2' || w[0] == '4' || w[0] == '5') && is_digit(w[1]) && is_digit(w[2]);
}

bool is_ipv4(std::string_view w) {
  int parts = 0;
  std::size_t run = 0;
  for (char c : w) {
    if (c == '.') {
      if (run == 0) return false;
      ++parts, run = 0;
    } else if (is_digit(c) && ++run <= 3) {
    } else {
      return false;
    }
  }
  return parts == 3 && run > 0;
}

bool is_ipv6(std::string_view w) {
  if (w.starts_with("IPv6:") || w.starts_with("ipv6:")) w.remove_prefix(5);
  auto colons = std::count(w.begin(), w.end(), ':');
  return colons >= 2 &&
         std::all_of(w.begin(), w.end(), [](char c) { return is_hex(c) || c == ':' || c == '.'; });
}

// A token that names one message, connection or host rather than a reason.
bool is_identifier(std::string_view w) {
  auto digits = std::count_if(w.begin(), w.end(), is_digit);
  if (digits > 0 && (w.size() >= 8 || digits >= 4)) return true;
  if (w.size() >= 16 && std::all_of(w.begin(), w.end(), is_hex)) return true;
  bool upper = std::any_of(w.begin(), w.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  bool lower = std::any_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  return w.size() >= 20 && upper && lower && std::all_of(w.begin(), w.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' ||
                  c == '_' || c == '-';
         });
}

// Brackets, quotes and separators split a word into pieces masked one by one
// ("mx.example.net[192.0.2.1]:25"); punctuation at a piece's ends is kept around its masked core.
constexpr std::string_view kDelimiters = "[](){}<>\"',;";
constexpr std::string_view kEdge = ":.!?";

// A URL stays (its host and path say which documentation page), except the addresses and IPs in it, as
// blocklists' lookup links carry them ("https://www.spamhaus.org/query/ip/192.0.2.1").
std::string mask_url(std::string_view url) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= url.size(); ++i) {
    if (i < url.size() && std::string_view("/?&=#").find(url[i]) == std::string_view::npos) continue;
    auto piece = url.substr(start, i - start);
    out += piece.find('@') != std::string_view::npos ? "<address>"
           : is_ipv4(piece) || is_ipv6(piece)        ? "<ip>"
                                                      : std::string(piece);
    if (i < url.size()) out += url[i];
    start = i + 1;
  }
  return out;
}

std::string mask_core(std::string_view core) {
  if (core.empty()) return "";
  if (core.starts_with("http://") || core.starts_with("https://")) return mask_url(core);
  if (core.find('@') != std::string_view::npos) return "<address>";
  if (is_enhanced_code(core)) return std::string(core);
  if (is_ipv4(core) || is_ipv6(core)) return "<ip>";
  if (auto eq = core.find('='); eq != std::string_view::npos && eq > 0) {
    auto value = mask_core(core.substr(eq + 1));
    return std::string(core.substr(0, eq + 1)) + value;
  }
  // host:port, ip:port
  if (auto colon = core.rfind(':'); colon != std::string_view::npos && colon > 0 && colon + 1 < core.size() &&
                                    std::all_of(core.begin() + colon + 1, core.end(), is_digit)) {
    auto host = core.substr(0, colon);
    if (is_ipv4(host)) return "<ip>";
  }
  if (is_identifier(core)) return "<id>";
  return std::string(core);
}

std::string mask_piece(std::string_view piece) {
  auto first = piece.find_first_not_of(kEdge);
  if (first == std::string_view::npos) return std::string(piece);
  auto last = piece.find_last_not_of(kEdge);
  return std::string(piece.substr(0, first)) + mask_core(piece.substr(first, last - first + 1)) +
         std::string(piece.substr(last + 1));
}

std::string mask_word(std::string_view w) {
  if (w.starts_with("http://") || w.starts_with("https://")) return mask_url(w);
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= w.size(); ++i) {
    if (i < w.size() && kDelimiters.find(w[i]) == std::string_view::npos) continue;
    out += mask_piece(w.substr(start, i - start));
    if (i < w.size()) out += w[i];
    start = i + 1;
  }
  return out;
}

}  // namespace

std::string normalise_reply(std::string_view reply) {
  auto all = words(reply);
  std::string code, enhanced;
  std::size_t i = 0;
  if (!all.empty()) {
    auto w = all[0];
    if (w.size() >= 4 && is_reply_code(w.substr(0, 3)) && (w[3] == '-' || w[3] == ' ')) {
      code = w.substr(0, 3);
      if (is_enhanced_code(w.substr(4))) enhanced = w.substr(4);
      i = 1;
    } else if (is_reply_code(w)) {
      code = w;
      i = 1;
    }
    if (!code.empty() && enhanced.empty() && i < all.size() && is_enhanced_code(all[i])) enhanced = all[i++];
  }
  std::string out = code;
  if (!enhanced.empty()) out += (out.empty() ? "" : " ") + enhanced;
  for (; i < all.size(); ++i) {
    auto w = all[i];
    if (!code.empty() && (w == code || (w.starts_with(code) && w.size() > 3 && w[3] == '-' &&
                                        (w.size() == 4 || w.substr(4) == enhanced)))) {
      if (i + 1 < all.size() && !enhanced.empty() && all[i + 1] == enhanced) ++i;
      continue;  // a continuation line's prefix
    }
    auto masked = mask_word(w);
    if (!out.empty()) out += ' ';
    out += masked;
    if (out.size() >= kMaxNormalisedReply) break;
  }
  if (out.size() > kMaxNormalisedReply) {
    out.resize(kMaxNormalisedReply);
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80)
      out.pop_back();  // not in the middle of a UTF-8 sequence
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    out += "…";
  }
  return out;
}

}  // namespace campaigns
