// macro.hpp — SPF's macro language (RFC 7208 §7): %{LETTER DIGITS r DELIMITERS}, %%, %_, %-, letters
// s l o d i p v h and, in explanation strings only, c r t; upper-case letters are URL-escaped.
// Pure: the validated name for %{p} is looked up by the caller beforehand (uses_letter tells it whether).
// Errors: bad syntax, an exp-only letter outside exp, or DIGIT 0 give nothing and an error text (the
// caller's permerror). Untrusted input: the macro string (from DNS) and the identities (from SMTP).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <asio/ip/address.hpp>

namespace dns::spf {

struct MacroContext {
  asio::ip::address ip;
  std::string local_part;                 // of the sender ("postmaster" when the sender had none)
  std::string sender_domain;              // o
  std::string domain;                     // d: the domain being evaluated
  std::string helo;                       // h
  std::string validated_ptr = "unknown";  // p
  std::string receiver = "unknown";       // r
  std::int64_t timestamp = 0;             // t
};

enum class MacroUse { domain_spec, explanation };

struct Expansion {
  std::optional<std::string> text;
  std::string error;
};

Expansion expand_macros(std::string_view input, const MacroContext& context, MacroUse use);
// Syntax only (letters, transformers, delimiters, escapes), for the parser.
bool valid_macro_string(std::string_view input, MacroUse use, std::string* error = nullptr);
bool uses_letter(std::string_view input, char letter);  // case-insensitive: does %{p...} occur?

// RFC 7208 §7.3: an expanded name over 253 octets loses labels from the left until it fits.
std::string truncate_domain(std::string name);

// The sender "local@domain" split (RFC 7208 §4.3); a missing local part becomes "postmaster".
struct SenderParts {
  std::string local_part;
  std::string domain;
};
SenderParts split_sender(std::string_view sender);

}  // namespace dns::spf
