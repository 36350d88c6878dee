// verifier.hpp — checks every DKIM-Signature of a message (RFC 6376 §6) with libopendkim, each with its
// d=, s=, result and reason. Key records come from our dns::Resolver, never libopendkim's resolver: the
// signatures' d=/s= are read first, SELECTOR._domainkey.DOMAIN TXT records fetched with the coroutine
// resolver, and libopendkim is then run synchronously, its key lookups (dkim_set_key_lookup) answered from
// those prefetched records. Results (RFC 8601 §2.7.1): pass; fail (body hash or signature mismatch,
// expired); neutral (signature syntax, unsupported algorithm); permerror (key missing, revoked, malformed,
// too small, not for email); temperror (DNS lookup failed for now).
// Threads: verify() is const; one Verifier may serve several threads (each call has its own message handle
// and its own prefetched keys). Errors: a malformed message is an error value. Untrusted input: the
// message and the DNS answers (key records are parsed by libopendkim and by key_record.hpp).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "dkim/message.hpp"
#include "dkim/result.hpp"
#include "dns/resolver/lookups.hpp"

namespace dkim {

enum class VerifyResult { pass, fail, neutral, temperror, permerror };
std::string_view to_string(VerifyResult result);

struct SignatureVerdict {
  std::string domain;     // d=
  std::string selector;   // s=
  std::string algorithm;  // a=, "" when unreadable
  VerifyResult result = VerifyResult::permerror;
  std::string reason;    // "" on pass; else e.g. "body hash mismatch", "key not found"
  bool testing = false;  // the key record says t=y
  unsigned key_bits = 0;
};

struct Verification {
  std::vector<SignatureVerdict> signatures;  // in header order; empty when the message is unsigned
};

struct VerifyOptions {
  MessageLimits limits;
  std::size_t max_signatures = 16;  // more are reported as permerror, not checked (each costs a DNS query)
  unsigned min_key_bits = 1024;     // RFC 8301 §3.2
};

// Key record answers by DNS name ("s1._domainkey.example.com", lower case).
using KeyAnswers = std::map<std::string, dns::Lookup<std::string>>;

class Verifier {
 public:
  static Result<std::unique_ptr<Verifier>> create(const VerifyOptions& options = {});
  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // Parses message, fetches the keys through resolver, verifies. Pass a named string (gcc 12, resolver.hpp).
  asio::awaitable<Result<Verification>> verify(dns::Resolver& resolver, std::string message) const;
  // The key record names a message's signatures need (at most max_signatures).
  std::vector<std::string> key_names(const Message& message) const;
  // Verification with the key records already fetched (a name missing from keys: key not found).
  Result<Verification> verify(const Message& message, const KeyAnswers& keys) const;

 private:
  struct State;
  explicit Verifier(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace dkim
