// dkim_sign_bench — DKIM signing throughput of 4 KB messages on one core (Google Benchmark's items/s):
//   Sign/rsa2048, Sign/ed25519: dkim::Signer::sign on a 4 KB message (parse, canonicalize, hash, sign).
//   OpenSslSign/rsa2048: one EVP_DigestSign of a SHA-256 digest in-process, the work openssl speed measures.
// The ceiling is `openssl speed -seconds 3 rsa2048` sign/s on the same machine: bench/dkim_sign_bench.sh runs
// both and prints the ratio. Results: docs/benchmarks.md ("DKIM signing").
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim/keys.hpp"
#include "dkim/signer.hpp"

namespace {

namespace fs = std::filesystem;

std::string message_of_4k() {
  std::string headers =
      "From: Newsletter <news@bench.test>\r\nTo: reader@example.org\r\nSubject: Weekly news\r\n"
      "Date: Mon, 23 Nov 2026 03:00:00 +0000\r\nMessage-ID: <bench@bench.test>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nList-Unsubscribe: <https://bench.test/u/1>\r\n"
      "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n";
  std::string body;
  while (headers.size() + body.size() < 4096)
    body += "The quick brown fox jumps over the lazy dog, again.\r\n";
  return headers + body;
}

struct Keys {
  fs::path dir = fs::temp_directory_path() / ("dkim-bench-" + std::to_string(::getpid()));
  fs::path rsa = dir / "rsa.pem";
  fs::path ed = dir / "ed.pem";
  Keys() {
    fs::create_directories(dir);
    if (!dkim::PrivateKey::generate(dkim::Algorithm::rsa_sha256, 2048)->write_new(rsa) ||
        !dkim::PrivateKey::generate(dkim::Algorithm::ed25519_sha256)->write_new(ed))
      std::abort();
  }
  ~Keys() { fs::remove_all(dir); }
};

const Keys& keys() {
  static const Keys k;
  return k;
}

void sign(benchmark::State& state, const fs::path& key) {
  auto signer = dkim::Signer::create(dkim::SigningTable({{"*", "bench.test", "s1", key}}));
  if (!signer) {
    state.SkipWithError(signer.error().c_str());
    return;
  }
  const std::string message = message_of_4k();
  for (auto _ : state) {
    auto field = (*signer)->sign(message);
    benchmark::DoNotOptimize(field);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(message.size()));
}

void BM_Sign_rsa2048(benchmark::State& state) {
  sign(state, keys().rsa);
}
void BM_Sign_ed25519(benchmark::State& state) {
  sign(state, keys().ed);
}

void BM_OpenSslSign_rsa2048(benchmark::State& state) {
  std::ifstream in(keys().rsa);
  std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  unsigned char digest[32] = {1, 2, 3};
  unsigned char signature[512];
  for (auto _ : state) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
    EVP_PKEY_sign_init(ctx);
    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256());
    std::size_t length = sizeof signature;
    EVP_PKEY_sign(ctx, signature, &length, digest, sizeof digest);
    EVP_PKEY_CTX_free(ctx);
    benchmark::DoNotOptimize(signature);
  }
  EVP_PKEY_free(key);
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(BM_Sign_rsa2048)->Name("Sign/rsa2048")->MinTime(3.0);
BENCHMARK(BM_Sign_ed25519)->Name("Sign/ed25519")->MinTime(3.0);
BENCHMARK(BM_OpenSslSign_rsa2048)->Name("OpenSslSign/rsa2048")->MinTime(3.0);
BENCHMARK_MAIN();
