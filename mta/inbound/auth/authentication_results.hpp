// authentication_results.hpp — the Authentication-Results header field of RFC 8601: written by format()
// from the results message_authentication.cpp gathers, read by parse() (our own output, in tests) and
// parse_authserv_id() (fields already in a message). format() quotes every value that is not a token or a
// plain address, keeps comments to printable ASCII (parentheses made brackets) and drops CR, LF and other
// controls everywhere: no text from a message or the DNS can end the field or add one.
// parse() never throws; it returns nothing for text outside RFC 8601 §2.2's grammar.
// Untrusted input: every value given to format() (addresses, domains, DNS problem texts), parse()'s text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mta::inbound::auth {

struct ResultProperty {
  std::string type;      // ptype: "smtp", "header", "policy", "body"
  std::string property;  // "mailfrom", "helo", "d", "s", "b", "a", "from", "dmarc"
  std::string value;     // unquoted
};

struct ResultInfo {
  std::string method;   // "spf", "dkim", "dmarc"
  std::string result;   // "pass", "fail", ...
  std::string comment;  // "" for none; written as "(comment)" after the result
  std::vector<ResultProperty> properties;
};

struct AuthenticationResults {
  std::string authserv_id;
  std::optional<unsigned> version;  // written only when set (1 is the default)
  std::vector<ResultInfo> results;  // empty: "; none"
};

// The whole field, "Authentication-Results: ID;\r\n\tspf=pass ...\r\n", one result per line, longer lines
// folded between elements.
std::string format(const AuthenticationResults& results);

// The value of one field (after "Authentication-Results:"), folded or not; comments are skipped (and
// ResultInfo::comment is left empty). Nothing when it does not follow RFC 8601 §2.2.
std::optional<AuthenticationResults> parse(std::string_view value);

// Only the authserv-id (after any CFWS), for fields whose rest may not follow the grammar.
std::optional<std::string> parse_authserv_id(std::string_view value);

// value as RFC 8601 writes it: a token or a plain address/domain as it is, otherwise a quoted-string.
std::string quote_value(std::string_view value);
// text fit for a comment: printable ASCII, '(' and ')' written as '[' and ']', no '\\', at most max_length
// bytes.
std::string comment_text(std::string_view text, std::size_t max_length = 120);

}  // namespace mta::inbound::auth
