// address.hpp — mail address syntax as the suppression list takes it: local@domain with an RFC 5321
// local part (dot-atom or quoted string, at most 64 octets; UTF-8 allowed as RFC 6531 allows it) and a
// host-name domain in ASCII (internationalized domains as xn-- A-labels; no address literals), or
// "@domain" for a whole domain. Pure functions; a bad input gets a problem text a user can act on, never
// an exception. Untrusted input: any text (CSV files, command lines, bounce addresses).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace campaigns {

inline constexpr std::size_t kMaxLocalPart = 64;  // RFC 5321 §4.5.3.1.1
inline constexpr std::size_t kMaxAddress = 254;   // a 256-octet path less its angle brackets

// An address with its domain in canonical form (lower case, no trailing dot); the local part as given,
// since only the receiving system may interpret its case (RFC 5321 §2.4).
struct Address {
  std::string local;
  std::string domain;
  std::string str() const { return local + "@" + domain; }
};

struct ParsedAddress {
  std::optional<Address> address;
  std::string problem;  // why not, when address is empty
};
ParsedAddress parse_address(std::string_view text);

// What a suppression entry covers: one address (letter case ignored in the local part too), or every
// address at one domain ("@example.com"; the domain itself, not its subdomains).
class SuppressionTarget {
 public:
  struct Parsed;
  static Parsed parse(std::string_view text);  // "local@domain" or "@domain"
  static SuppressionTarget address(const Address& address);
  static SuppressionTarget domain_of(const Address& address);

  bool is_domain() const { return text_.front() == '@'; }
  const std::string& str() const { return text_; }  // canonical: "local@domain" or "@domain"
  friend bool operator==(const SuppressionTarget&, const SuppressionTarget&) = default;

 private:
  explicit SuppressionTarget(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

struct SuppressionTarget::Parsed {
  std::optional<SuppressionTarget> target;
  std::string problem;
};

}  // namespace campaigns
