#include "campaigns/tokens/token_secret.hpp"

#include <openssl/crypto.h>

#include "mta/config/secret_file.hpp"

namespace campaigns {

TokenSecret::Loaded TokenSecret::load(const std::filesystem::path& path) {
  auto read = mta::config::read_secret_file(path);
  if (!read.error.empty()) return {std::nullopt, read.error};
  return {TokenSecret(std::move(read.secret)), ""};
}

TokenSecret TokenSecret::from_bytes(std::string_view bytes) {
  return TokenSecret(std::string(bytes));
}

TokenSecret::TokenSecret(TokenSecret&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.wipe();
}

TokenSecret& TokenSecret::operator=(TokenSecret&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.wipe();
  }
  return *this;
}

TokenSecret::~TokenSecret() {
  wipe();
}

void TokenSecret::wipe() {
  OPENSSL_cleanse(bytes_.data(), bytes_.size());
  bytes_.clear();
}

}  // namespace campaigns
