// authentication_results.hpp — the Authentication-Results header field of RFC 8601: written (format())
// from results gathered by message_authentication.cpp, read (parse()) to find the authserv-id of fields
// already in a message and to check what we write. format() quotes every value that is not a token (or an
// address/domain of plain syntax), keeps comments to printable ASCII without parentheses or backslashes,
// and drops CR, LF and other controls from everything: no text from a message or the DNS can end the field
// or add one. parse() never throws; it returns nothing for text outside the grammar of RFC 8601 §2.2.
// Untrusted input: every value given to format() (addresses, domains, DNS problem texts) and parse()'s text.
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
// text fit for a comment: printable ASCII other than '(', ')' and '\\', at most max_length bytes.
std::string comment_text(std::string_view text, std::size_t max_length = 120);

}  // namespace mta::inbound::auth
