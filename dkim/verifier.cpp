#include "dkim/verifier.hpp"

#include <algorithm>
#include <cstring>

#include "dkim/key_record.hpp"
#include "dkim/opendkim.hpp"
#include "dkim/tag_list.hpp"
#include "dns/name.hpp"

namespace dkim {
using namespace odkim;
namespace {

struct Verdict {
  VerifyResult result;
  const char* reason;
};

Verdict classify(int error) {
  switch (error) {
    case DKIM_SIGERROR_OK:
      return {VerifyResult::pass, ""};
    case DKIM_SIGERROR_BADSIG:
      return {VerifyResult::fail, "signature mismatch (signed header fields changed, or another key)"};
    case DKIM_SIGERROR_EXPIRED:
      return {VerifyResult::fail, "signature expired (x= is past)"};
    case DKIM_SIGERROR_FUTURE:
      return {VerifyResult::fail, "signature timestamp t= is in the future"};
    case DKIM_SIGERROR_NOKEY:
      return {VerifyResult::permerror, "key not found (no TXT record at the selector)"};
    case DKIM_SIGERROR_KEYFAIL:
      return {VerifyResult::temperror, "key lookup failed temporarily (DNS)"};
    case DKIM_SIGERROR_KEYREVOKED:
      return {VerifyResult::permerror, "key revoked (empty p=)"};
    case DKIM_SIGERROR_KEYTOOSMALL:
      return {VerifyResult::permerror, "key too small (fewer than 1024 bits)"};
    case DKIM_SIGERROR_MULTIREPLY:
      return {VerifyResult::permerror, "several key records at the selector"};
    case DKIM_SIGERROR_NOTEMAILKEY:
      return {VerifyResult::permerror, "key not for email (s=)"};
    case DKIM_SIGERROR_KEYHASHMISMATCH:
    case DKIM_SIGERROR_KEYUNKNOWNHASH:
      return {VerifyResult::permerror, "key does not allow this hash algorithm (h=)"};
    case DKIM_SIGERROR_KEYTYPEMISSING:
    case DKIM_SIGERROR_KEYTYPEUNKNOWN:
      return {VerifyResult::permerror, "key type unknown or not the signature's algorithm (k=)"};
    case DKIM_SIGERROR_DNSSYNTAX:
    case DKIM_SIGERROR_KEYVERSION:
      return {VerifyResult::permerror, "key record syntax error"};
    case DKIM_SIGERROR_KEYDECODE:
      return {VerifyResult::permerror, "key cannot be decoded (p= is not a key of the k= type)"};
    case DKIM_SIGERROR_INVALID_A:
      return {VerifyResult::neutral, "unsupported algorithm (a=)"};
    case DKIM_SIGERROR_MBSFAILED:
      return {VerifyResult::fail, "a header field that must be signed is not"};
    default:
      return {VerifyResult::neutral, nullptr};  // signature syntax: dkim_sig_geterrorstr says which tag
  }
}

// A DNS name that may hold DKIM keys: labels of 1-63 letters, digits, '-' and '_' ("_domainkey").
bool valid_key_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0;
}

std::string key_name(std::string_view selector, std::string_view domain) {
  return dns::canonical_name(std::string(selector) + "._domainkey." + std::string(domain));
}

struct LookupContext {
  const KeyAnswers* keys;
};

DKIM_CBSTAT key_lookup(DKIM* handle, DKIM_SIGINFO* sig, unsigned char* buffer, std::size_t length) {
  auto* context = static_cast<LookupContext*>(dkim_get_user_context(handle));
  const unsigned char* domain = dkim_sig_getdomain(sig);
  const unsigned char* selector = dkim_sig_getselector(sig);
  if (!context || !domain || !selector) return DKIM_CBSTAT_ERROR;
  auto found = context->keys->find(
      key_name(reinterpret_cast<const char*>(selector), reinterpret_cast<const char*>(domain)));
  if (found == context->keys->end()) return DKIM_CBSTAT_NOTFOUND;
  const auto& lookup = found->second;
  switch (lookup.status) {
    case dns::Status::answer:
      break;
    case dns::Status::nxdomain:
    case dns::Status::nodata:
      return DKIM_CBSTAT_NOTFOUND;
    case dns::Status::temporary:
    case dns::Status::malformed:
      // libopendkim stops at the first TRYAGAIN; "not found" lets it go on to the other signatures, and
      // verify() reports this one as temperror from the lookup's own status.
      return DKIM_CBSTAT_NOTFOUND;
  }
  if (lookup.values.empty()) return DKIM_CBSTAT_NOTFOUND;
  // Several TXT records: the first that is a key record (RFC 6376 §3.6.2.2 lets verifiers choose).
  const std::string* chosen = &lookup.values.front();
  for (const auto& text : lookup.values)
    if (parse_key_record(text)) {
      chosen = &text;
      break;
    }
  if (chosen->size() + 1 > length) return DKIM_CBSTAT_ERROR;
  std::memcpy(buffer, chosen->c_str(), chosen->size() + 1);
  return DKIM_CBSTAT_CONTINUE;
}

std::string text_of(const unsigned char* text) {
  return text ? reinterpret_cast<const char*>(text) : "";
}

}  // namespace

std::string_view to_string(VerifyResult result) {
  switch (result) {
    case VerifyResult::pass:
      return "pass";
    case VerifyResult::fail:
      return "fail";
    case VerifyResult::neutral:
      return "neutral";
    case VerifyResult::temperror:
      return "temperror";
    case VerifyResult::permerror:
      return "permerror";
  }
  return "permerror";
}

struct Verifier::State {
  detail::LibHandle lib;
  VerifyOptions options;
};

Verifier::Verifier(std::unique_ptr<State> state) : state_(std::move(state)) {}
Verifier::~Verifier() = default;

Result<std::unique_ptr<Verifier>> Verifier::create(const VerifyOptions& options) {
  auto state = std::make_unique<State>();
  state->lib.reset(dkim_init(nullptr, nullptr));
  if (!state->lib) return Error{"libopendkim failed to initialise (dkim_init)"};
  state->options = options;
  unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES;
  unsigned int bits = options.min_key_bits;
  DKIM_LIB* lib = state->lib.get();
  if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) != DKIM_STAT_OK ||
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &bits, sizeof bits) != DKIM_STAT_OK ||
      dkim_set_key_lookup(lib, key_lookup) != DKIM_STAT_OK)
    return Error{"libopendkim refused the verifier's options"};
  return std::unique_ptr<Verifier>(new Verifier(std::move(state)));
}

std::vector<std::string> Verifier::key_names(const Message& message) const {
  std::vector<std::string> names;
  auto fields = message.fields(DKIM_SIGNHEADER);
  for (std::size_t i = 0; i < fields.size() && i < state_->options.max_signatures; ++i) {
    auto tags = parse_tag_list(fields[i]->value());
    if (!tags) continue;
    const std::string* d = find_tag(*tags, "d");
    const std::string* s = find_tag(*tags, "s");
    if (!d || !s || d->empty() || s->empty()) continue;
    auto name = key_name(strip_whitespace(*s), strip_whitespace(*d));
    if (valid_key_name(name) && std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(name);
  }
  return names;
}

asio::awaitable<Result<Verification>> Verifier::verify(dns::Resolver& resolver, std::string text) const {
  auto message = parse_message(text, state_->options.limits);
  if (!message) co_return Error{message.error()};
  KeyAnswers keys;
  auto names = key_names(*message);  // named: gcc 12 and temporaries in coroutines (resolver.hpp)
  for (auto& name : names)
    keys[name] = co_await dns::lookup_txt(resolver, name);
  co_return verify(*message, keys);
}

Result<Verification> Verifier::verify(const Message& message, const KeyAnswers& keys) const {
  Verification out;
  auto fields = message.fields(DKIM_SIGNHEADER);
  if (fields.empty()) return out;
  DKIM_STAT status = DKIM_STAT_OK;
  detail::MessageHandle handle(dkim_verify(state_->lib.get(), detail::uchars("relayctl"), nullptr, &status));
  if (!handle) return Error{std::string("libopendkim: ") + dkim_getresultstr(status)};
  LookupContext context{&keys};
  dkim_set_user_context(handle.get(), &context);
  // A DKIM-Signature libopendkim cannot parse is refused by dkim_header: it gets its verdict here, in
  // header order, and the library goes on with the others.
  std::vector<std::optional<SignatureVerdict>> unparsed;
  for (const auto& field : message.headers) {
    auto* bytes = reinterpret_cast<unsigned char*>(const_cast<char*>(field.text.data()));
    status = dkim_header(handle.get(), bytes, field.text.size());
    bool signature = iequals(field.name, DKIM_SIGNHEADER);
    if (status != DKIM_STAT_OK && !signature)
      return Error{"header " + field.name + ": " + dkim_getresultstr(status)};
    if (!signature) continue;
    if (status == DKIM_STAT_OK) {
      unparsed.emplace_back();
      continue;
    }
    SignatureVerdict verdict;
    if (auto tags = parse_tag_list(field.value())) {
      if (const auto* d = find_tag(*tags, "d")) verdict.domain = strip_whitespace(*d);
      if (const auto* s = find_tag(*tags, "s")) verdict.selector = strip_whitespace(*s);
      if (const auto* a = find_tag(*tags, "a")) verdict.algorithm = strip_whitespace(*a);
    }
    verdict.result = VerifyResult::neutral;
    const char* detail = dkim_geterror(handle.get());
    verdict.reason =
        std::string("signature syntax error: ") + (detail && *detail ? detail : dkim_getresultstr(status));
    unparsed.emplace_back(std::move(verdict));
  }
  status = dkim_eoh(handle.get());
  if (status == DKIM_STAT_OK && !message.body.empty()) {
    auto* bytes = reinterpret_cast<unsigned char*>(const_cast<char*>(message.body.data()));
    dkim_body(handle.get(), bytes, message.body.size());
  }
  if (status == DKIM_STAT_OK) dkim_eom(handle.get(), nullptr);

  std::vector<SignatureVerdict> checked;
  DKIM_SIGINFO** sigs = nullptr;
  int count = 0;
  if (dkim_getsiglist(handle.get(), &sigs, &count) != DKIM_STAT_OK) count = 0;
  for (int i = 0; i < count; ++i) {
    DKIM_SIGINFO* sig = sigs[i];
    SignatureVerdict verdict;
    verdict.domain = text_of(dkim_sig_getdomain(sig));
    verdict.selector = text_of(dkim_sig_getselector(sig));
    dkim_alg_t algorithm = DKIM_SIGN_UNKNOWN;
    if (dkim_sig_getsignalg(sig, &algorithm) == DKIM_STAT_OK)
      verdict.algorithm = algorithm == DKIM_SIGN_RSASHA256       ? "rsa-sha256"
                          : algorithm == DKIM_SIGN_ED25519SHA256 ? "ed25519-sha256"
                          : algorithm == DKIM_SIGN_RSASHA1       ? "rsa-sha1"
                                                                 : "";
    unsigned int bits = 0;
    if (dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK) verdict.key_bits = bits;
    unsigned int flags = dkim_sig_getflags(sig);
    verdict.testing = (flags & DKIM_SIGFLAG_TESTKEY) != 0;
    int error = dkim_sig_geterror(sig);
    if (static_cast<std::size_t>(i) >= state_->options.max_signatures) {
      verdict.result = VerifyResult::permerror;
      verdict.reason =
          "not checked: more than " + std::to_string(state_->options.max_signatures) + " signatures";
    } else if (error == DKIM_SIGERROR_OK && (flags & DKIM_SIGFLAG_PASSED) != 0 &&
               dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH) {
      verdict.result = VerifyResult::pass;
    } else if (auto lookup = keys.find(key_name(verdict.selector, verdict.domain));
               lookup != keys.end() && (lookup->second.status == dns::Status::temporary ||
                                        lookup->second.status == dns::Status::malformed)) {
      verdict.result = VerifyResult::temperror;
      verdict.reason = "key lookup failed temporarily (DNS: " +
                       (lookup->second.detail.empty() ? std::string(dns::to_string(lookup->second.status))
                                                      : lookup->second.detail) +
                       ")";
    } else if ((error == DKIM_SIGERROR_OK || error == DKIM_SIGERROR_BADSIG) &&
               dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH) {
      verdict.result = VerifyResult::fail;
      verdict.reason = "body hash mismatch (the body changed after signing)";
    } else if (error == DKIM_SIGERROR_OK) {
      verdict.result = VerifyResult::fail;
      verdict.reason = "signature mismatch";
    } else {
      auto [result, reason] = classify(error);
      verdict.result = result;
      const char* library = dkim_sig_geterrorstr(error);
      verdict.reason =
          reason ? reason : std::string("signature syntax error: ") + (library ? library : "unknown");
      if (error == DKIM_SIGERROR_KEYTOOSMALL && verdict.key_bits > 0)
        verdict.reason = "key too small (" + std::to_string(verdict.key_bits) + " bits; at least " +
                         std::to_string(state_->options.min_key_bits) + " required, RFC 8301 §3.2)";
    }
    checked.push_back(std::move(verdict));
  }
  std::size_t next = 0;
  for (auto& slot : unparsed) {
    if (slot) {
      out.signatures.push_back(std::move(*slot));
    } else if (next < checked.size()) {
      out.signatures.push_back(std::move(checked[next++]));
    } else {
      SignatureVerdict verdict;
      verdict.result = VerifyResult::neutral;
      verdict.reason = std::string("signature not usable: ") + dkim_getresultstr(status);
      out.signatures.push_back(std::move(verdict));
    }
  }
  return out;
}

}  // namespace dkim
