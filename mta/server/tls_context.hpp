// tls_context.hpp — the server's TLS: an OpenSSL context (TLS 1.2 and later, no compression, no
// renegotiation) from the configured PEM certificate chain and key, or from a self-signed pair made once
// in SPOOL/tls/ when none is configured. Errors: a message naming the file and what to fix (start-up
// and SIGHUP reload report it; a failed reload keeps the old context).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <asio/ssl/context.hpp>

namespace mta::server {

struct TlsFiles {
  std::filesystem::path certificate;
  std::filesystem::path key;
};

// The configured pair, or the self-signed one in spool_dir/tls (created when absent, for hostname).
TlsFiles tls_files(const std::filesystem::path& certificate, const std::filesystem::path& key,
                   const std::filesystem::path& spool_dir, const std::string& hostname, std::string& error);

std::shared_ptr<asio::ssl::context> make_server_tls_context(const TlsFiles& files, std::string& error);

// "TLSv1.3 TLS_AES_256_GCM_SHA384" for a connected SSL object.
std::string describe_tls(void* ssl_native_handle);

}  // namespace mta::server
