#include "mta/auth/password_hash.hpp"

#include <charconv>
#include <stdexcept>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "dns/base64.hpp"

namespace mta::auth {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

bool derive(std::string_view password, std::string_view salt, const ScryptParams& params,
            unsigned char* out) {
  if (params.log2_n < 1 || params.log2_n > 20 || params.r < 1 || params.r > 32 || params.p < 1 ||
      params.p > 16)
    return false;
  std::uint64_t n = std::uint64_t{1} << params.log2_n;
  return EVP_PBE_scrypt(password.data(), password.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                        salt.size(), n, params.r, params.p, 256ull << 20, out, kHashBytes) == 1;
}

bool parse_uint(std::string_view text, unsigned& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

}  // namespace

std::string hash_password(std::string_view password, ScryptParams params) {
  unsigned char salt[kSaltBytes];
  unsigned char hash[kHashBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string_view salt_view(reinterpret_cast<const char*>(salt), sizeof salt);
  if (!derive(password, salt_view, params, hash)) throw std::runtime_error("scrypt failed");
  return "$scrypt$ln=" + std::to_string(params.log2_n) + ",r=" + std::to_string(params.r) +
         ",p=" + std::to_string(params.p) + "$" + base64::encode(salt_view) + "$" +
         base64::encode(std::string_view(reinterpret_cast<const char*>(hash), sizeof hash));
}

bool verify_password(std::string_view password, std::string_view stored) {
  // $scrypt$ln=15,r=8,p=1$SALT$HASH
  if (!stored.starts_with("$scrypt$ln=")) return false;
  stored.remove_prefix(11);
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= stored.size(); ++i)
    if (i == stored.size() || stored[i] == '$') {
      parts.push_back(stored.substr(start, i - start));
      start = i + 1;
    }
  if (parts.size() != 3) return false;
  ScryptParams params;
  auto r_at = parts[0].find(",r="), p_at = parts[0].find(",p=");
  if (r_at == std::string_view::npos || p_at == std::string_view::npos || p_at < r_at) return false;
  if (!parse_uint(parts[0].substr(0, r_at), params.log2_n) ||
      !parse_uint(parts[0].substr(r_at + 3, p_at - r_at - 3), params.r) ||
      !parse_uint(parts[0].substr(p_at + 3), params.p))
    return false;
  auto salt = base64::decode(parts[1]);
  auto expected = base64::decode(parts[2]);
  if (!salt || !expected || expected->size() != kHashBytes) return false;
  unsigned char hash[kHashBytes];
  if (!derive(password, *salt, params, hash)) return false;
  return CRYPTO_memcmp(hash, expected->data(), kHashBytes) == 0;
}

}  // namespace mta::auth
