#include "dns/preflight/tls_check.hpp"

#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace dns::preflight {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

// Days from now to t (negative when t is past), using OpenSSL's own time arithmetic.
int days_until(const ASN1_TIME* t, std::chrono::system_clock::time_point now) {
  time_t now_t = std::chrono::system_clock::to_time_t(now);
  std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME, ASN1_TIME_free>> reference(ASN1_TIME_set(nullptr, now_t));
  int days = 0, seconds = 0;
  if (!reference || !ASN1_TIME_diff(&days, &seconds, reference.get(), t)) return 0;
  return days;
}

std::string names_of(X509* cert) {
  std::string out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names) && i < 10; ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
      if (name->type != GEN_DNS) continue;
      const auto* data = ASN1_STRING_get0_data(name->d.dNSName);
      out += (out.empty() ? "" : ", ") +
             std::string(reinterpret_cast<const char*>(data), ASN1_STRING_length(name->d.dNSName));
    }
    GENERAL_NAMES_free(names);
  }
  if (out.empty()) {
    char cn[256] = {};
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn) > 0) out = cn;
  }
  return out.empty() ? "no names" : out;
}

}  // namespace

Finding check_certificate(const std::filesystem::path& certificate, const std::filesystem::path& key,
                          const std::string& hostname, std::chrono::system_clock::time_point now) {
  Finding f{"tls", hostname, Status::pass, "", ""};
  if (certificate.empty()) {
    f.status = Status::warn;
    f.detail = "no certificate configured: relayctl uses a self-signed one for STARTTLS";
    f.fix = "get a certificate for " + hostname + " from a CA and set [server.tls] certificate and key";
    return f;
  }
  BioPtr bio(BIO_new_file(certificate.c_str(), "r"));
  X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!cert) {
    f.status = Status::fail;
    f.detail = certificate.string() + " is not a readable PEM certificate";
    f.fix = "set [server.tls] certificate to the PEM file of the certificate chain, leaf first";
    return f;
  }
  BioPtr key_bio(BIO_new_file(key.c_str(), "r"));
  KeyPtr private_key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr) : nullptr);
  ERR_clear_error();
  if (!private_key) {
    f.status = Status::fail;
    f.detail = key.string() + " is not a readable PEM private key";
    f.fix = "set [server.tls] key to the certificate's private key (PEM, unencrypted, mode 0600)";
    return f;
  }
  if (X509_check_private_key(cert.get(), private_key.get()) != 1) {
    ERR_clear_error();
    f.status = Status::fail;
    f.detail = "the private key " + key.string() + " does not belong to the certificate";
    f.fix = "configure the key the certificate was issued for";
    return f;
  }
  if (X509_check_host(cert.get(), hostname.c_str(), hostname.size(), 0, nullptr) != 1) {
    f.status = Status::fail;
    f.detail = "the certificate is for " + names_of(cert.get()) + ", not " + hostname;
    f.fix = "get a certificate whose subjectAltName includes " + hostname +
            ", or set [server] hostname to its name";
    return f;
  }
  time_t now_t = std::chrono::system_clock::to_time_t(now);
  int expires = days_until(X509_get0_notAfter(cert.get()), now);
  if (X509_cmp_time(X509_get0_notBefore(cert.get()), &now_t) > 0) {
    f.status = Status::fail;
    f.detail = "the certificate is not valid yet";
    f.fix = "check the system clock, or wait until the certificate's notBefore date";
    return f;
  }
  if (X509_cmp_time(X509_get0_notAfter(cert.get()), &now_t) < 0) {
    f.status = Status::fail;
    f.detail = "the certificate expired " + std::to_string(-expires) + " days ago";
    f.fix = "renew the certificate for " + hostname;
    return f;
  }
  bool self_signed = X509_check_issued(cert.get(), cert.get()) == X509_V_OK;
  f.detail = "valid for " + hostname + ", expires in " + std::to_string(expires) + " days" +
             (self_signed ? ", self-signed" : "");
  if (expires * std::chrono::hours(24) < kCertificateWarnBefore) {
    f.status = Status::warn;
    f.fix = "renew the certificate before it expires (automate it, e.g. with an ACME client)";
  } else if (self_signed) {
    f.status = Status::warn;
    f.fix = "fine between mail servers; for clients submitting on 587/465 use a CA-signed certificate";
  }
  return f;
}

}  // namespace dns::preflight
