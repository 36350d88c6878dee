#include "dkim/key_record.hpp"

#include <algorithm>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dkim/keys.hpp"
#include "dkim/tag_list.hpp"

namespace dkim {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::vector<std::string> colon_list(std::string_view value) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    auto colon = value.find(':', pos);
    auto item = strip_whitespace(
        value.substr(pos, colon == std::string_view::npos ? std::string_view::npos : colon - pos));
    if (!item.empty()) out.push_back(lower(item));
    if (colon == std::string_view::npos) break;
    pos = colon + 1;
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

bool KeyRecord::for_email() const {
  return contains(services, "*") || contains(services, "email");
}
bool KeyRecord::allows_sha256() const {
  return hashes.empty() || contains(hashes, "sha256");
}

Result<KeyRecord> parse_key_record(std::string_view text) {
  auto tags = parse_tag_list(text);
  if (!tags) return Error{"syntax error: " + tags.error()};
  KeyRecord record;
  for (std::size_t i = 0; i < tags->size(); ++i) {
    const auto& [name, value] = (*tags)[i];
    if (name == "v") {
      if (i != 0) return Error{"v= must be the first tag (RFC 6376 §3.6.1)"};
      if (value != "DKIM1") return Error{"v=" + value + " is not DKIM1"};
      record.has_version = true;
    } else if (name == "k") {
      record.key_type = lower(strip_whitespace(value));
    } else if (name == "p") {
      record.public_key_base64 = strip_whitespace(value);
    } else if (name == "h") {
      record.hashes = colon_list(value);
    } else if (name == "s") {
      record.services = colon_list(value);
    } else if (name == "t") {
      auto flags = colon_list(value);
      record.testing = contains(flags, "y");
      record.strict = contains(flags, "s");
    }
  }
  if (!find_tag(*tags, "p")) return Error{"no p= tag (the public key; an empty p= revokes a key)"};
  if (!record.public_key_base64.empty()) {
    auto decoded = base64_decode(record.public_key_base64);
    if (!decoded) return Error{"p= is not valid base64"};
    record.public_key = std::move(*decoded);
  }
  return record;
}

std::optional<int> public_key_bits(const KeyRecord& record) {
  if (record.key_type == "ed25519") {
    if (record.public_key.size() != 32) return std::nullopt;
    return 256;
  }
  if (record.key_type != "rsa") return std::nullopt;
  const auto* der = reinterpret_cast<const unsigned char*>(record.public_key.data());
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &der, static_cast<long>(record.public_key.size()));
  if (!key) {
    ERR_clear_error();
    return std::nullopt;
  }
  std::optional<int> bits;
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) bits = EVP_PKEY_get_bits(key);
  EVP_PKEY_free(key);
  return bits;
}

}  // namespace dkim
