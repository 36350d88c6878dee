// token_secret.hpp — the secret that signs campaign tokens (verp.hpp), read from [campaigns]
// token_secret_file by mta/config's read_secret_file (a private file of at least 32 bytes). Held only
// here and wiped when dropped. Errors: load() returns a message naming the file and the fix.
// Untrusted input: the file (its mode and size are checked before it is used).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace campaigns {

class TokenSecret {
 public:
  struct Loaded;
  static Loaded load(const std::filesystem::path& path);
  static TokenSecret from_bytes(std::string_view bytes);  // tests and callers holding the secret already

  TokenSecret(TokenSecret&& other) noexcept;
  TokenSecret& operator=(TokenSecret&& other) noexcept;
  TokenSecret(const TokenSecret&) = delete;
  TokenSecret& operator=(const TokenSecret&) = delete;
  ~TokenSecret();

  std::string_view bytes() const { return bytes_; }

 private:
  explicit TokenSecret(std::string bytes) : bytes_(std::move(bytes)) {}
  void wipe();
  std::string bytes_;
};

struct TokenSecret::Loaded {
  std::optional<TokenSecret> secret;
  std::string error;  // when secret is empty
};

}  // namespace campaigns
