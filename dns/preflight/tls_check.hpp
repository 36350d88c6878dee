// tls_check.hpp — preflight's TLS check: is the configured certificate usable for [server] hostname?
// Reads PEM files with OpenSSL: the chain's leaf must name the host (SAN, RFC 6125 rules via
// X509_check_host), be within its validity period with margin, and match the private key. A self-signed
// certificate is a warning (fine between MTAs, not for mail clients). Untrusted input: the PEM files.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "dns/preflight/report.hpp"

namespace dns::preflight {

inline constexpr std::chrono::hours kCertificateWarnBefore{21 * 24};

// certificate empty: none configured (relayctl then generates a self-signed pair) — a warning.
Finding check_certificate(const std::filesystem::path& certificate, const std::filesystem::path& key,
                          const std::string& hostname,
                          std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace dns::preflight
