#include "campaigns/formats/address.hpp"

#include <cstring>

#include "campaigns/formats/utf8.hpp"
#include "dns/name.hpp"
#include "mta/smtp/ascii.hpp"

namespace campaigns {
namespace {

bool is_atext(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr);
}

std::string dot_atom_problem(std::string_view local) {
  bool after_dot = true;
  for (std::size_t i = 0; i < local.size();) {
    auto c = static_cast<unsigned char>(local[i]);
    if (c == '.') {
      if (after_dot) return "the local part has an empty dot-separated part (\"..\" or a dot at an end)";
      after_dot = true;
      ++i;
      continue;
    }
    after_dot = false;
    if (is_atext(c)) {
      ++i;
    } else if (c >= 0x80) {
      std::size_t length = utf8_sequence(local, i);
      if (length == 0) return "the local part is not valid UTF-8";
      i += length;
    } else {
      return c < 0x20 || c == 0x7F ? "the local part holds a control character"
                                   : std::string("the local part holds '") + static_cast<char>(c) +
                                         "', which needs quoting (\"...\"@domain)";
    }
  }
  if (after_dot) return "the local part ends with a dot";
  return "";
}

// quoted = DQUOTE *(qtextSMTP / quoted-pairSMTP / UTF-8) DQUOTE, the DQUOTEs included in text.
std::string quoted_problem(std::string_view text) {
  for (std::size_t i = 1; i + 1 < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      if (i + 2 >= text.size() || static_cast<unsigned char>(text[i + 1]) < 0x20 ||
          static_cast<unsigned char>(text[i + 1]) > 0x7E)
        return "the quoted local part has a bad backslash escape";
      i += 2;
    } else if (c == '"') {
      return "the quoted local part has a '\"' that is not escaped";
    } else if (c >= 0x20 && c <= 0x7E) {
      ++i;
    } else if (c >= 0x80) {
      std::size_t length = utf8_sequence(text, i);
      if (length == 0) return "the local part is not valid UTF-8";
      i += length;
    } else {
      return "the local part holds a control character";
    }
  }
  return "";
}

// The end of the local part: the '@' after it, or npos.
std::size_t local_part_end(std::string_view text) {
  if (text.empty() || text.front() != '"') return text.rfind('@');
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      return i + 1 < text.size() && text[i + 1] == '@' ? i + 1 : std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

std::string domain_problem(std::string_view domain) {
  if (domain.empty()) return "the domain is missing";
  if (domain.front() == '[') return "address literals cannot be suppressed; name the domain instead";
  for (char c : domain)
    if (static_cast<unsigned char>(c) >= 0x80)
      return "write the internationalized domain in its ASCII form (xn--...), as `idn2` prints it";
  if (!dns::is_valid_hostname(domain)) return "\"" + std::string(domain) + "\" is not a valid domain name";
  return "";
}

}  // namespace

ParsedAddress parse_address(std::string_view text) {
  if (text.empty()) return {std::nullopt, "the address is empty"};
  if (text.size() > kMaxAddress)
    return {std::nullopt, "the address is longer than " + std::to_string(kMaxAddress) + " octets"};
  auto at = local_part_end(text);
  if (at == std::string_view::npos)
    return {std::nullopt, text.front() == '"' ? "the quoted local part is not closed before the '@'"
                                              : "an address needs an '@' (write @domain for a whole domain)"};
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  if (local.empty()) return {std::nullopt, "the local part before the '@' is empty"};
  if (local.size() > kMaxLocalPart)
    return {std::nullopt, "the local part is longer than " + std::to_string(kMaxLocalPart) + " octets"};
  std::string problem = local.front() == '"' ? quoted_problem(local) : dot_atom_problem(local);
  if (problem.empty()) problem = domain_problem(domain);
  if (!problem.empty()) return {std::nullopt, problem};
  return {Address{std::string(local), dns::canonical_name(domain)}, ""};
}

SuppressionTarget::Parsed SuppressionTarget::parse(std::string_view text) {
  if (!text.empty() && text.front() == '@') {
    std::string_view domain = text.substr(1);
    if (auto problem = domain_problem(domain); !problem.empty()) return {std::nullopt, problem};
    return {SuppressionTarget("@" + dns::canonical_name(domain)), ""};
  }
  auto parsed = parse_address(text);
  if (!parsed.address) return {std::nullopt, parsed.problem};
  return {SuppressionTarget::address(*parsed.address), ""};
}

// The local part's ASCII letters are folded too: RFC 5321 §2.4 leaves its case to the receiving system,
// but the mailbox providers ignore it, and a suppression that misses "Jane@" for "jane@" mails someone
// who left, which is worse than not mailing a distinct "Jane@".
SuppressionTarget SuppressionTarget::address(const Address& address) {
  return SuppressionTarget(mta::smtp::ascii_lowered(address.local) + "@" + address.domain);
}

SuppressionTarget SuppressionTarget::domain_of(const Address& address) {
  return SuppressionTarget("@" + address.domain);
}

}  // namespace campaigns
