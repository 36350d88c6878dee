// check.hpp — does the key published at SELECTOR._domainkey.DOMAIN match our private key? For
// `relayctl dkim check` and the preflight report: one status with the key's bits and algorithm, the record
// text, a one-line detail and a one-line fix (a zone-file line to publish, where that is the fix).
// Errors: every outcome is a KeyCheck, DNS failures included (status temporary). Untrusted input: DNS data.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <asio/awaitable.hpp>

#include "dkim/keys.hpp"
#include "dns/resolver/lookups.hpp"

namespace dkim {

enum class KeyStatus {
  ok,              // published, matches, ≥2048-bit RSA or Ed25519, not testing
  missing,         // NXDOMAIN or no TXT record at the name
  mismatch,        // p= is another key than ours
  revoked,         // p= is empty
  testing,         // t=y: receivers treat failures as if unsigned (warn)
  too_short,       // RSA below 1024 bits: receivers ignore the signature (fail)
  weak,            // RSA below 2048 bits (warn)
  malformed,       // not a key record, several key records, bad p=, h= or s= excluding us
  wrong_key_type,  // k= differs from the private key's type
  temporary,       // DNS timeout, SERVFAIL: try again
  bad_key_file,    // the private key could not be loaded (unsafe permissions, not PEM, ...)
};
std::string_view to_string(KeyStatus status);

enum class Severity { pass, warn, fail, temporary };
Severity severity(KeyStatus status);  // ok: pass; testing, weak: warn; temporary: temporary; else fail

struct KeyCheck {
  KeyStatus status = KeyStatus::temporary;
  std::string domain;
  std::string selector;
  std::string name;       // SELECTOR._domainkey.DOMAIN
  std::string algorithm;  // "rsa-sha256" / "ed25519-sha256" (the private key's), "" if unknown
  int bits = 0;           // the published key's bits, else the private key's
  std::string record;     // the TXT record as published ("" when missing)
  std::string detail;     // one line: what is wrong (or right)
  std::string fix;        // one line: what to do ("" when ok)
};

// Loads key_path (dkim/ is the only place private keys are read), looks up the record, compares.
// Pass named variables (gcc 12 and by-value coroutine parameters: resolver.hpp).
asio::awaitable<KeyCheck> check_key(dns::Resolver& resolver, std::string domain, std::string selector,
                                    std::filesystem::path key_path);

// The comparison itself, given the lookup's outcome: pure, for unit tests.
KeyCheck evaluate_key(std::string_view domain, std::string_view selector, const dns::Lookup<std::string>& txt,
                      const PrivateKey& key);

}  // namespace dkim
