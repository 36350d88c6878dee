#include "mta/server/tls_context.hpp"

#include <cstdio>
#include <memory>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace mta::server {
namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  ERR_clear_error();
  return buffer;
}

bool make_self_signed(const TlsFiles& files, const std::string& hostname, std::string& error) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) {
    error = "cannot generate a key: " + openssl_error();
    return false;
  }
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:" + hostname;
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    error = "cannot sign the certificate: " + openssl_error();
    return false;
  }
  std::filesystem::create_directories(files.key.parent_path());
  ::chmod(files.key.parent_path().c_str(), 0700);
  auto key_tmp = files.key.string() + ".tmp", cert_tmp = files.certificate.string() + ".tmp";
  mode_t old_mask = ::umask(077);
  FILE* kf = std::fopen(key_tmp.c_str(), "w");
  FILE* cf = std::fopen(cert_tmp.c_str(), "w");
  bool ok = kf && cf && PEM_write_PrivateKey(kf, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
            PEM_write_X509(cf, cert.get()) == 1;
  if (kf) std::fclose(kf);
  if (cf) std::fclose(cf);
  ::umask(old_mask);
  if (!ok) {
    error = "cannot write " + files.key.string() + ": " + openssl_error();
    return false;
  }
  std::filesystem::rename(key_tmp, files.key);
  std::filesystem::rename(cert_tmp, files.certificate);
  return true;
}

}  // namespace

TlsFiles tls_files(const std::filesystem::path& certificate, const std::filesystem::path& key,
                   const std::filesystem::path& spool_dir, const std::string& hostname, std::string& error) {
  if (!certificate.empty()) return {certificate, key};
  TlsFiles files{spool_dir / "tls" / "self-signed.crt", spool_dir / "tls" / "self-signed.key"};
  std::error_code ec;
  if (!std::filesystem::exists(files.certificate, ec) || !std::filesystem::exists(files.key, ec))
    if (!make_self_signed(files, hostname, error)) return {};
  return files;
}

std::shared_ptr<asio::ssl::context> make_server_tls_context(const TlsFiles& files, std::string& error) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  asio::error_code ec;
  context->use_certificate_chain_file(files.certificate.string(), ec);
  if (ec) {
    error = files.certificate.string() + ": cannot load the certificate chain (" + ec.message() +
            "); set [server.tls] certificate to a PEM file";
    return nullptr;
  }
  context->use_private_key_file(files.key.string(), asio::ssl::context::pem, ec);
  if (ec) {
    error = files.key.string() + ": cannot load the private key (" + ec.message() +
            "); set [server.tls] key to the PEM key of the certificate";
    return nullptr;
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    error = files.key.string() + ": the key does not match the certificate " + files.certificate.string();
    return nullptr;
  }
  return context;
}

std::string describe_tls(void* handle) {
  auto* ssl = static_cast<SSL*>(handle);
  return std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
}

}  // namespace mta::server
