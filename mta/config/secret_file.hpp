// secret_file.hpp — reads a file holding a secret (the campaigns token secret, the inject password): the
// file's bytes, one trailing newline dropped. Refused, with a message naming the file and the fix, when it
// is not a regular file, when any other user may read or write it or its group may write it, or when it
// holds fewer than min_bytes or more than kMaxSecretBytes. Untrusted input: the path and the file's
// contents.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace mta::config {

inline constexpr std::size_t kMinSecretBytes = 32;
inline constexpr std::size_t kMaxSecretBytes = 4096;

struct SecretFile {
  std::string secret;  // empty when error is set
  std::string error;
};

// The caller owns the secret and should OPENSSL_cleanse it when done.
// min_bytes below kMinSecretBytes: a password, not a generated secret (the hints say so).
SecretFile read_secret_file(const std::filesystem::path& path, std::size_t min_bytes = kMinSecretBytes);

}  // namespace mta::config
