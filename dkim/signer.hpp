// signer.hpp — DKIM signing (RFC 6376, RFC 8463) on libopendkim, driven by the signing table: every rule of
// the most specific pattern matching the RFC 5322.From domain adds one DKIM-Signature.
// Signatures: rsa-sha256 or ed25519-sha256 by key type, relaxed/relaxed unless configured, no l=, t= always,
// x= when expire_after is set; the header set of header_set.hpp with From, To, Subject over-signed.
// Threads: after create(), sign() is const and may run on several worker threads at once (one DKIM_LIB per
// Signer, read-only after construction; each call has its own libopendkim message handle).
// Errors: create() fails on an unreadable/unsafe key or an algorithm this libopendkim lacks; sign() returns
// an error value for malformed messages (no From, two From, header without colon, past MessageLimits).
// Untrusted input: the message.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dkim/keys.hpp"
#include "dkim/message.hpp"
#include "dkim/result.hpp"
#include "dkim/signing_table.hpp"

namespace dkim {

enum class Canon { simple, relaxed };

struct Canonicalization {
  Canon header = Canon::relaxed;
  Canon body = Canon::relaxed;
  friend bool operator==(const Canonicalization&, const Canonicalization&) = default;
};
// "relaxed/relaxed", "relaxed/simple", "simple" (= simple/simple, RFC 6376 §3.5 c=), ...
std::optional<Canonicalization> parse_canonicalization(std::string_view text);
std::string to_string(const Canonicalization& canonicalization);

struct SignerOptions {
  Canonicalization canonicalization;
  std::optional<std::chrono::seconds> expire_after;  // x= = t= + this
  std::optional<std::uint64_t> fixed_time;           // t= (tests, benchmarks); default: now
  MessageLimits limits;
};

// True when this libopendkim can sign and verify ed25519-sha256 (dkim_libfeature DKIM_FEATURE_ED25519).
bool ed25519_supported();

class Signer {
 public:
  // Loads every key the table names, each file once, checking permissions and algorithm support.
  static Result<std::unique_ptr<Signer>> create(const SigningTable& table, const SignerOptions& options = {});
  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // The DKIM-Signature header fields to prepend to message (LF or CRLF input), folded, each ending in CRLF;
  // "" when no rule matches the From domain.
  Result<std::string> sign(std::string_view message) const;
  Result<std::string> sign(const Message& message) const;

  std::size_t key_count() const;

 private:
  struct State;
  explicit Signer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace dkim
