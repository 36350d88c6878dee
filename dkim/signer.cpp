#include "dkim/signer.hpp"

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_set>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim/header_set.hpp"
#include "dkim/key_handoff.hpp"
#include "dkim/opendkim.hpp"

namespace dkim {
using namespace odkim;
namespace {

struct LoadedRule {
  SigningRule rule;
  std::shared_ptr<const PrivateKey> key;
};

dkim_canon_t canon(Canon c) {
  return c == Canon::relaxed ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
}

std::string status_text(DKIM_STAT status, DKIM* handle) {
  const char* detail = handle ? dkim_geterror(handle) : nullptr;
  std::string out = dkim_getresultstr(status);
  if (detail && *detail) out += std::string(": ") + detail;
  return out;
}

// libopendkim folds with bare LF; a header field added to a message ends lines in CRLF.
std::string crlf_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

// libopendkim 2.11's dkim_free releases an RSA signing key's state but not an Ed25519 key's: neither its
// reference to the key nor the buffer it allocated for the signature. MessageMemory holds what libopendkim
// allocates for one message (dkim_init's allocator; the message's memory is dkim_sign's closure) and frees
// what is left after dkim_free; ed25519_reference_kept() finds out once whether the library keeps its
// reference to a handed-off Ed25519 key, which sign_one then releases (KeptReference).
struct MessageMemory {
  std::unordered_set<void*> live;
  MessageMemory() = default;
  MessageMemory(const MessageMemory&) = delete;
  MessageMemory& operator=(const MessageMemory&) = delete;
  ~MessageMemory() {
    for (void* block : live)
      std::free(block);
  }
};

void* allocate(void* closure, std::size_t size) {
  void* block = std::malloc(size);
  if (block && closure) static_cast<MessageMemory*>(closure)->live.insert(block);
  return block;
}

void release(void* closure, void* block) {
  if (closure) static_cast<MessageMemory*>(closure)->live.erase(block);
  std::free(block);
}

struct KeptReference {
  EVP_PKEY* key = nullptr;
  KeptReference() = default;
  KeptReference(const KeptReference&) = delete;
  KeptReference& operator=(const KeptReference&) = delete;
  ~KeptReference() {
    if (key) EVP_PKEY_free(key);
  }
};

void mark_freed(void*, void* flag, CRYPTO_EX_DATA*, int, long, void*) {
  if (flag) *static_cast<bool*>(flag) = true;
}

// Signs a one-line message with a throwaway Ed25519 key handed off to libopendkim, drops our reference and
// sees whether the key was freed.
bool probe_ed25519_reference_kept() {
  static bool freed = false;
  int index = CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_EVP_PKEY, 0, nullptr, nullptr, nullptr, mark_freed);
  EVP_PKEY* probe = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (index < 0 || !probe) return false;
  EVP_PKEY_set_ex_data(probe, index, &freed);
  std::string pem;
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    if (PEM_write_bio_PrivateKey(bio, probe, nullptr, nullptr, 0, nullptr, nullptr) == 1) {
      char* data = nullptr;
      long size = BIO_get_mem_data(bio, &data);
      pem.assign(data, static_cast<std::size_t>(size));
    }
    BIO_free(bio);
  }
  bool served = false;
  {
    MessageMemory memory;
    detail::LibHandle lib(dkim_init(allocate, release));
    DKIM_STAT status = DKIM_STAT_OK;
    detail::MessageHandle handle(lib ? dkim_sign(lib.get(), detail::uchars("probe"), &memory,
                                                 reinterpret_cast<dkim_sigkey_t>(pem.data()),
                                                 detail::uchars("probe"), detail::uchars("probe.invalid"),
                                                 DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
                                                 DKIM_SIGN_ED25519SHA256, -1, &status)
                                     : nullptr);
    char from[] = "From: probe@probe.invalid";
    if (handle &&
        dkim_header(handle.get(), reinterpret_cast<unsigned char*>(from), std::strlen(from)) ==
            DKIM_STAT_OK &&
        dkim_eoh(handle.get()) == DKIM_STAT_OK) {
      detail::KeyHandoff handoff(probe);
      dkim_eom(handle.get(), nullptr);
      served = handoff.served();
    }
  }
  OPENSSL_cleanse(pem.data(), pem.size());
  EVP_PKEY_free(probe);
  bool kept = served && !freed;
  if (kept) EVP_PKEY_free(probe);  // the reference libopendkim kept
  return kept;
}

bool ed25519_reference_kept() {
  static std::once_flag once;
  static bool kept = false;
  std::call_once(once, [] { kept = probe_ed25519_reference_kept(); });
  return kept;
}

}  // namespace

std::optional<Canonicalization> parse_canonicalization(std::string_view text) {
  auto one = [](std::string_view part) -> std::optional<Canon> {
    if (part == "simple") return Canon::simple;
    if (part == "relaxed") return Canon::relaxed;
    return std::nullopt;
  };
  auto slash = text.find('/');
  auto header = one(text.substr(0, slash));
  auto body =
      slash == std::string_view::npos ? std::optional<Canon>(Canon::simple) : one(text.substr(slash + 1));
  if (!header || !body) return std::nullopt;
  return Canonicalization{*header, *body};
}

std::string to_string(const Canonicalization& c) {
  auto one = [](Canon x) { return x == Canon::relaxed ? "relaxed" : "simple"; };
  return std::string(one(c.header)) + "/" + one(c.body);
}

bool ed25519_supported() {
  detail::LibHandle lib(dkim_init(nullptr, nullptr));
  return lib && dkim_libfeature(lib.get(), DKIM_FEATURE_ED25519);
}

struct Signer::State {
  detail::LibHandle lib;
  SignerOptions options;
  SigningTable table{{}};
  std::map<const SigningRule*, std::shared_ptr<const PrivateKey>> keys;
  std::size_t distinct_keys = 0;
  bool release_ed25519_reference = false;  // see MessageMemory

  Result<std::string> sign_one(const Message& message, const SigningRule& rule, const PrivateKey& key) const;
};

Signer::Signer(std::unique_ptr<State> state) : state_(std::move(state)) {}
Signer::~Signer() = default;

std::size_t Signer::key_count() const {
  return state_->distinct_keys;
}

Result<std::unique_ptr<Signer>> Signer::create(const SigningTable& table, const SignerOptions& options) {
  auto state = std::make_unique<State>();
  state->lib.reset(dkim_init(allocate, release));
  if (!state->lib) return Error{"libopendkim failed to initialise (dkim_init)"};
  state->options = options;
  state->table = table;
  DKIM_LIB* lib = state->lib.get();
  if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, const_cast<char**>(signed_header_names().data()),
                   sizeof(char**)) != DKIM_STAT_OK ||
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
                   const_cast<char**>(oversigned_header_names().data()), sizeof(char**)) != DKIM_STAT_OK)
    return Error{"libopendkim refused the signed header list"};
  if (options.expire_after) {
    std::uint64_t ttl = static_cast<std::uint64_t>(options.expire_after->count());
    if (ttl == 0) return Error{"the signature lifetime (x=) must be at least one second"};
    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNATURETTL, &ttl, sizeof ttl);
  }
  if (options.fixed_time) {
    std::uint64_t when = *options.fixed_time;
    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &when, sizeof when);
  }
  bool ed25519 = dkim_libfeature(lib, DKIM_FEATURE_ED25519);
  std::map<std::filesystem::path, std::shared_ptr<const PrivateKey>> by_path;
  for (const auto& rule : state->table.rules()) {
    auto& loaded = by_path[rule.key];
    if (!loaded) {
      auto key = PrivateKey::load(rule.key);
      if (!key) return Error{key.error()};
      if (key->algorithm() == Algorithm::rsa_sha256 && key->bits() < kMinRsaBits)
        return Error{"DKIM key " + rule.key.string() + " is a " + std::to_string(key->bits()) +
                     "-bit RSA key; verifiers ignore keys shorter than " + std::to_string(kMinRsaBits) +
                     " bits (RFC 8301 §3.2): make a new one with `relayctl dkim keygen`"};
      if (key->algorithm() == Algorithm::ed25519_sha256 && !ed25519)
        return Error{
            "DKIM key " + rule.key.string() +
            " is Ed25519, but this libopendkim has no ed25519-sha256 support (dkim_libfeature "
            "DKIM_FEATURE_ED25519 is false): use an RSA key, or a libopendkim built with OpenSSL 1.1.1+"};
      loaded = std::make_shared<const PrivateKey>(std::move(*key));
    }
    state->keys[&rule] = loaded;
  }
  state->distinct_keys = by_path.size();
  for (const auto& [path, key] : by_path)
    if (key->algorithm() == Algorithm::ed25519_sha256)
      state->release_ed25519_reference = ed25519_reference_kept();
  return std::unique_ptr<Signer>(new Signer(std::move(state)));
}

Result<std::string> Signer::sign(std::string_view text) const {
  auto message = parse_message(text, state_->options.limits);
  if (!message) return Error{message.error()};
  return sign(*message);
}

Result<std::string> Signer::sign(const Message& message) const {
  auto domain = from_domain(message);
  if (!domain) return Error{domain.error()};
  std::string out;
  for (const SigningRule* rule : state_->table.match(*domain)) {
    auto field = state_->sign_one(message, *rule, *state_->keys.at(rule));
    if (!field) return field;
    out += *field;
  }
  return out;
}

Result<std::string> Signer::State::sign_one(const Message& message, const SigningRule& rule,
                                            const PrivateKey& key) const {
  std::string where = "signing as d=" + rule.domain + " s=" + rule.selector + ": ";
  DKIM_STAT status = DKIM_STAT_OK;
  dkim_alg_t algorithm =
      key.algorithm() == Algorithm::ed25519_sha256 ? DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256;
  MessageMemory memory;  // declared first: freed last, after the handle and the key reference
  KeptReference kept;
  detail::MessageHandle handle(dkim_sign(
      lib.get(), detail::uchars("relayctl"), &memory,
      reinterpret_cast<dkim_sigkey_t>(const_cast<char*>(key.pem().c_str())),
      detail::uchars(rule.selector.c_str()), detail::uchars(rule.domain.c_str()),
      canon(options.canonicalization.header), canon(options.canonicalization.body), algorithm, -1, &status));
  if (!handle) return Error{where + status_text(status, nullptr)};
  for (const auto& field : message.headers) {
    auto* bytes = reinterpret_cast<unsigned char*>(const_cast<char*>(field.text.data()));
    status = dkim_header(handle.get(), bytes, field.text.size());
    if (status != DKIM_STAT_OK)
      return Error{where + "header " + field.name + ": " + status_text(status, handle.get())};
  }
  status = dkim_eoh(handle.get());
  if (status != DKIM_STAT_OK) return Error{where + status_text(status, handle.get())};
  if (!message.body.empty()) {
    auto* bytes = reinterpret_cast<unsigned char*>(const_cast<char*>(message.body.data()));
    status = dkim_body(handle.get(), bytes, message.body.size());
    if (status != DKIM_STAT_OK) return Error{where + status_text(status, handle.get())};
  }
  {
    detail::KeyHandoff loaded_key(key.native_handle());  // dkim_eom loads the key: give it ours
    status = dkim_eom(handle.get(), nullptr);
    if (loaded_key.served() && key.algorithm() == Algorithm::ed25519_sha256 && release_ed25519_reference)
      kept.key = static_cast<EVP_PKEY*>(key.native_handle());
  }
  if (status != DKIM_STAT_OK) return Error{where + status_text(status, handle.get())};
  unsigned char* value = nullptr;
  std::size_t length = 0;
  status = dkim_getsighdr_d(handle.get(), std::strlen(DKIM_SIGNHEADER) + 2, &value, &length);
  if (status != DKIM_STAT_OK) return Error{where + status_text(status, handle.get())};
  return std::string(DKIM_SIGNHEADER) + ": " +
         crlf_lines(std::string_view(reinterpret_cast<const char*>(value), length)) + "\r\n";
}

}  // namespace dkim
