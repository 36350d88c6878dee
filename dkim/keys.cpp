#include "dkim/keys.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace dkim {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};

EVP_PKEY* raw(const std::shared_ptr<void>& key) {
  return static_cast<EVP_PKEY*>(key.get());
}

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

Result<std::string> read_key_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{"cannot open DKIM key " + path.string() + ": " + std::strerror(errno)};
  std::string text;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      return Error{"cannot read DKIM key " + path.string() + ": " + std::strerror(saved)};
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kMaxKeyFileBytes) {
      ::close(fd);
      return Error{"DKIM key " + path.string() + " is larger than " + std::to_string(kMaxKeyFileBytes) +
                   " bytes: not a PEM private key"};
    }
  }
  ::close(fd);
  return text;
}

}  // namespace

std::string_view to_string(Algorithm algorithm) {
  return algorithm == Algorithm::rsa_sha256 ? "rsa-sha256" : "ed25519-sha256";
}

std::optional<Algorithm> parse_algorithm(std::string_view text) {
  if (text == "rsa-sha256") return Algorithm::rsa_sha256;
  if (text == "ed25519-sha256") return Algorithm::ed25519_sha256;
  return std::nullopt;
}

std::string_view key_type(Algorithm algorithm) {
  return algorithm == Algorithm::rsa_sha256 ? "rsa" : "ed25519";
}

std::string key_file_permission_problem(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    return "cannot use DKIM key " + path.string() + ": " + std::strerror(errno);
  if (!S_ISREG(info.st_mode)) return "DKIM key " + path.string() + " is not a regular file";
  std::string fix = "; fix with: chmod 600 " + path.string();
  if (info.st_mode & (S_IROTH | S_IWOTH))
    return "DKIM key " + path.string() + " is readable by every user (mode " + octal_mode(info.st_mode) +
           "): a private key must be private" + fix;
  if (info.st_mode & S_IWGRP)
    return "DKIM key " + path.string() + " is writable by its group (mode " + octal_mode(info.st_mode) +
           "): anyone in the group could replace the key" + fix;
  return "";
}

Result<PrivateKey> PrivateKey::load(const std::filesystem::path& path) {
  if (auto problem = key_file_permission_problem(path); !problem.empty()) return Error{problem};
  auto text = read_key_file(path);
  if (!text) return Error{text.error()};
  auto key = from_pem(*text, path.string());
  OPENSSL_cleanse(text->data(), text->size());
  return key;
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem, std::string_view source) {
  std::string where(source);
  if (pem.find("-----BEGIN") == std::string_view::npos)
    return Error{"DKIM key " + where + " is not a PEM private key (no -----BEGIN line)"};
  if (pem.find("ENCRYPTED") != std::string_view::npos)
    return Error{"DKIM key " + where +
                 " is encrypted with a passphrase; relayctl needs it unencrypted: openssl pkey -in " + where +
                 " -out NEW.pem (then chmod 600 NEW.pem)"};
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error{"out of memory reading DKIM key " + where};
  auto empty_password = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* parsed = PEM_read_bio_PrivateKey(bio.get(), nullptr, empty_password, nullptr);
  if (!parsed) return Error{"DKIM key " + where + " is not a readable PEM private key: " + openssl_error()};
  PrivateKey key;
  key.key_ = std::shared_ptr<void>(parsed, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
  int id = EVP_PKEY_get_base_id(parsed);
  if (id == EVP_PKEY_RSA) {
    key.algorithm_ = Algorithm::rsa_sha256;
    key.bits_ = EVP_PKEY_get_bits(parsed);
  } else if (id == EVP_PKEY_ED25519) {
    key.algorithm_ = Algorithm::ed25519_sha256;
    key.bits_ = 256;
  } else {
    return Error{"DKIM key " + where + " is neither RSA nor Ed25519 (the only DKIM key types, RFC 8463)"};
  }
  Bio out(BIO_new(BIO_s_mem()));
  if (!out || PEM_write_bio_PrivateKey(out.get(), parsed, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Error{"cannot re-encode DKIM key " + where + ": " + openssl_error()};
  char* data = nullptr;
  long size = BIO_get_mem_data(out.get(), &data);
  key.pem_.assign(data, static_cast<std::size_t>(size));
  return key;
}

Result<PrivateKey> PrivateKey::generate(Algorithm algorithm, int rsa_bits) {
  if (algorithm == Algorithm::rsa_sha256 && (rsa_bits < kMinRsaBits || rsa_bits > kMaxRsaBits))
    return Error{"RSA keys must have " + std::to_string(kMinRsaBits) + " to " + std::to_string(kMaxRsaBits) +
                 " bits (2048 recommended); " + std::to_string(rsa_bits) + " is out of range"};
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_id(algorithm == Algorithm::rsa_sha256 ? EVP_PKEY_RSA : EVP_PKEY_ED25519, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1)
    return Error{"cannot start key generation: " + openssl_error()};
  if (algorithm == Algorithm::rsa_sha256 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsa_bits) != 1)
    return Error{"cannot set the RSA key size: " + openssl_error()};
  EVP_PKEY* generated = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &generated) != 1) return Error{"key generation failed: " + openssl_error()};
  Bio out(BIO_new(BIO_s_mem()));
  bool written =
      out && PEM_write_bio_PrivateKey(out.get(), generated, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  EVP_PKEY_free(generated);
  if (!written) return Error{"cannot encode the new key: " + openssl_error()};
  char* data = nullptr;
  long size = BIO_get_mem_data(out.get(), &data);
  return from_pem(std::string_view(data, static_cast<std::size_t>(size)), "(generated)");
}

std::string PrivateKey::public_key_base64() const {
  if (algorithm_ == Algorithm::ed25519_sha256) {
    unsigned char bytes[32];
    std::size_t length = sizeof bytes;
    if (EVP_PKEY_get_raw_public_key(raw(key_), bytes, &length) != 1) return "";
    return base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), length));
  }
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(raw(key_), &der);
  if (length <= 0) return "";
  std::string out = base64_encode(std::string_view(reinterpret_cast<const char*>(der), length));
  OPENSSL_free(der);
  return out;
}

Result<Done> PrivateKey::write_new(const std::filesystem::path& path) const {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST)
      return Error{path.string() +
                   " already exists; relayctl never overwrites a key: choose another --out "
                   "or --selector, or move the old key away"};
    return Error{"cannot create " + path.string() + ": " + std::strerror(errno)};
  }
  std::size_t written = 0;
  while (written < pem_.size()) {
    ssize_t n = ::write(fd, pem_.data() + written, pem_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return Error{"cannot write " + path.string() + ": " + std::strerror(saved)};
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(path.c_str());
    return Error{"cannot write " + path.string() + ": " + std::strerror(errno)};
  }
  return Done{};
}

std::string key_record_text(const PrivateKey& key) {
  return "v=DKIM1; k=" + std::string(key_type(key.algorithm())) + "; p=" + key.public_key_base64();
}

std::vector<std::string> split_txt_strings(std::string_view text, std::size_t max_octets) {
  std::vector<std::string> out;
  while (text.size() > max_octets) {
    out.emplace_back(text.substr(0, max_octets));
    text.remove_prefix(max_octets);
  }
  if (!text.empty() || out.empty()) out.emplace_back(text);
  return out;
}

std::string zone_file_record(std::string_view domain, std::string_view selector, std::string_view record) {
  std::string name = std::string(selector) + "._domainkey." + std::string(domain);
  if (!name.ends_with('.')) name += '.';
  std::string out = name + " 3600 IN TXT (";
  for (const auto& part : split_txt_strings(record))
    out += " \"" + part + "\"";
  out += " )";
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string compact;
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') compact += c;
  if (compact.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < compact.size() && compact[compact.size() - 1 - padding] == '=')
    ++padding;
  if (compact.find('=') < compact.size() - padding) return std::nullopt;
  std::string out(compact.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(compact.data()),
                          static_cast<int>(compact.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

}  // namespace dkim
