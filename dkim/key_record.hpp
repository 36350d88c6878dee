// key_record.hpp — DKIM public key records, the TXT data at SELECTOR._domainkey.DOMAIN (RFC 6376 §3.6.1,
// RFC 8463 §4 for k=ed25519): tags v, h, k, n, p, s, t; unknown tags and flags are ignored (§3.2, §3.6.1).
// An empty p= means the key was revoked (§3.6.1). Errors: tag-list syntax, v= not first or not "DKIM1",
// no p=, p= not base64. Untrusted input: DNS TXT data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dkim/result.hpp"

namespace dkim {

struct KeyRecord {
  bool has_version = false;                // v=DKIM1 present (it is optional)
  std::string key_type = "rsa";            // k=, lower-cased; "rsa" by default
  std::string public_key_base64;           // p=, white space removed; empty: revoked
  std::string public_key;                  // p= decoded
  std::vector<std::string> hashes;         // h=, lower-cased; empty: every hash algorithm allowed
  std::vector<std::string> services{"*"};  // s=
  bool testing = false;                    // t=y: verifiers must not treat mail differently (§3.6.1)
  bool strict = false;                     // t=s: i= must not be a subdomain of d=

  bool revoked() const { return public_key_base64.empty(); }
  bool for_email() const;      // s= includes "*" or "email"
  bool allows_sha256() const;  // h= absent or lists sha256
};

Result<KeyRecord> parse_key_record(std::string_view text);

// The key size in bits of p= read as the k= type (RSA: SubjectPublicKeyInfo DER; ed25519: 32 raw bytes, 256),
// or nothing when p= does not hold a key of that type.
std::optional<int> public_key_bits(const KeyRecord& record);

}  // namespace dkim
