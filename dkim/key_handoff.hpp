// key_handoff.hpp — gives libopendkim the private key already loaded, instead of letting it decode the PEM
// text again for every message. libopendkim 2.11 takes dkim_sign's key as text and parses it in each
// dkim_eom (dkim_privkey_load -> PEM_read_bio_PrivateKey); with OpenSSL 3.0's decoders that parse, and the
// fresh key's first signature (Montgomery and blinding set-up), cost twice the RSA signature itself
// (docs/benchmarks.md, "DKIM signing"). So dkim/ defines PEM_read_bio_PrivateKey: the executable's
// definition precedes libcrypto's for libopendkim's call. While a KeyHandoff lives on a thread, that call
// returns the handed-off key (one more reference, which libopendkim frees as usual); at any other time, on
// any other thread, and for every other caller (TLS, tests), it forwards to libcrypto's own function.
// If the interposition is ever not in effect (a static libcrypto, say), libopendkim parses the text as
// before: slower, never wrong. Errors: none. Untrusted input: none (keys are ours).
#pragma once

#include <cstdint>

namespace dkim::detail {

class KeyHandoff {
 public:
  explicit KeyHandoff(void* evp_pkey);  // an EVP_PKEY* that outlives this object
  ~KeyHandoff();
  KeyHandoff(const KeyHandoff&) = delete;
  KeyHandoff& operator=(const KeyHandoff&) = delete;
  bool served() const;  // libopendkim took the key from this handoff

 private:
  void* previous_;
  std::uint64_t served_before_;
};

// How many key loads a handoff has served in this process (tests check that the fast path is live).
std::uint64_t handoffs_served();

}  // namespace dkim::detail
