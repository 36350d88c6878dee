// password_hash.hpp — salted, slow password hashes for AUTH users: scrypt (RFC 7914) through OpenSSL,
// stored as "$scrypt$ln=15,r=8,p=1$SALT$HASH" (base64). Verification is constant-time.
// Only mta/auth sees these hashes. Errors: a malformed stored hash never verifies.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mta::auth {

struct ScryptParams {
  unsigned log2_n = 15;  // N = 32768: ~32 MiB and tens of milliseconds per hash
  unsigned r = 8;
  unsigned p = 1;
};

// Throws std::runtime_error when OpenSSL fails (out of memory): a start-up or CLI-time failure.
std::string hash_password(std::string_view password, ScryptParams params = {});
bool verify_password(std::string_view password, std::string_view stored);

}  // namespace mta::auth
