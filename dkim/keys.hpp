// keys.hpp — DKIM private keys: loaded once from PEM files whose permissions are checked, generated with
// OpenSSL, and the public half as the p= value of a key record (RFC 6376 §3.6.1; RFC 8463 §4 for Ed25519).
// Only dkim/ holds private keys: the rest of relayctl sees Signer and check_key, never a PrivateKey.
// Errors: Result values naming the file and the fix (world-readable key, not PEM, encrypted, RSA too short).
// Untrusted input: the key file's bytes (read up to kMaxKeyFileBytes).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dkim/result.hpp"

namespace dkim {

inline constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;
inline constexpr int kMinRsaBits = 1024;  // shorter keys are refused (RFC 8301 §3.2)
inline constexpr int kRecommendedRsaBits = 2048;
inline constexpr int kMaxRsaBits = 8192;

enum class Algorithm { rsa_sha256, ed25519_sha256 };
std::string_view to_string(Algorithm algorithm);  // "rsa-sha256", "ed25519-sha256"
std::optional<Algorithm> parse_algorithm(std::string_view text);
std::string_view key_type(Algorithm algorithm);  // the k= value: "rsa", "ed25519"

class PrivateKey {
 public:
  // Reads a PEM private key (PKCS#8 or traditional RSA), refusing a file that others can read or that
  // its group can write, a symlink to one, and an encrypted key. Short RSA keys load (check_key reports
  // them); Signer refuses keys shorter than kMinRsaBits.
  static Result<PrivateKey> load(const std::filesystem::path& path);
  // The same from PEM text already in memory; source names it in messages.
  static Result<PrivateKey> from_pem(std::string_view pem, std::string_view source);
  static Result<PrivateKey> generate(Algorithm algorithm, int rsa_bits = kRecommendedRsaBits);

  Algorithm algorithm() const { return algorithm_; }
  int bits() const { return bits_; }  // 256 for Ed25519
  // The p= value: base64 of the SubjectPublicKeyInfo DER (RSA), or of the raw 32-byte key (Ed25519).
  std::string public_key_base64() const;
  // PKCS#8 PEM, as libopendkim takes it (dkim_sign's secretkey).
  const std::string& pem() const { return pem_; }
  // The loaded EVP_PKEY, for dkim/'s libopendkim glue (key_handoff.hpp) only.
  void* native_handle() const { return key_.get(); }
  // Writes the PEM to a new file created with O_EXCL and mode 0600 (never an existing file).
  Result<Done> write_new(const std::filesystem::path& path) const;

 private:
  PrivateKey() = default;
  std::shared_ptr<void> key_;  // EVP_PKEY
  std::string pem_;
  Algorithm algorithm_ = Algorithm::rsa_sha256;
  int bits_ = 0;
};

// Empty when path is a regular file that only its owner (and group, read-only) can read; else the problem
// and the chmod that fixes it.
std::string key_file_permission_problem(const std::filesystem::path& path);

// "v=DKIM1; k=rsa; p=MIIB..." — the TXT record publishing key's public half.
std::string key_record_text(const PrivateKey& key);
// Splits text into character-strings of at most max_octets (DNS limits one string to 255).
std::vector<std::string> split_txt_strings(std::string_view text, std::size_t max_octets = 255);
// A zone-file line: `S._domainkey.D. 3600 IN TXT ( "v=DKIM1; k=rsa; " "p=..." )`, strings of ≤255 octets.
std::string zone_file_record(std::string_view domain, std::string_view selector, std::string_view record);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);  // whitespace ignored; nullopt if invalid

}  // namespace dkim
