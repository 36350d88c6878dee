#include "dkim/key_handoff.hpp"

#include <atomic>
#include <dlfcn.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

namespace dkim::detail {
namespace {

thread_local EVP_PKEY* handed_off = nullptr;
thread_local std::uint64_t served_on_thread = 0;
std::atomic<std::uint64_t> served{0};

using PemReadPrivateKey = EVP_PKEY* (*)(BIO*, EVP_PKEY**, pem_password_cb*, void*);

PemReadPrivateKey libcrypto_function() {
  static const auto function =
      reinterpret_cast<PemReadPrivateKey>(dlsym(RTLD_NEXT, "PEM_read_bio_PrivateKey"));
  return function;
}

}  // namespace

KeyHandoff::KeyHandoff(void* evp_pkey) : previous_(handed_off), served_before_(served_on_thread) {
  libcrypto_function();  // resolved before the first handoff, outside any signing
  handed_off = static_cast<EVP_PKEY*>(evp_pkey);
}

KeyHandoff::~KeyHandoff() {
  handed_off = static_cast<EVP_PKEY*>(previous_);
}

bool KeyHandoff::served() const {
  return served_on_thread != served_before_;
}

std::uint64_t handoffs_served() {
  return served.load(std::memory_order_relaxed);
}

}  // namespace dkim::detail

extern "C" EVP_PKEY* PEM_read_bio_PrivateKey(BIO* bio, EVP_PKEY** out, pem_password_cb* callback,
                                             void* user) {
  using namespace dkim::detail;
  if (handed_off && out == nullptr && EVP_PKEY_up_ref(handed_off) == 1) {
    served.fetch_add(1, std::memory_order_relaxed);
    ++served_on_thread;
    return handed_off;
  }
  auto function = libcrypto_function();
  return function ? function(bio, out, callback, user) : nullptr;
}
