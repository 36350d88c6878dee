// dkim_command.cpp — `relayctl dkim keygen|sign|verify|check`: make a key and its DNS record, sign a message
// from stdin, verify every signature of a message from stdin, and check a published key against the private
// key. Thin: flags, dkim/, print. Private keys are only ever read by dkim/.
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"
#include "cli/dns_options.hpp"
#include "cli/exit_code.hpp"
#include "cli/registry.hpp"
#include "dkim/check.hpp"
#include "dkim/keys.hpp"
#include "dkim/signer.hpp"
#include "dkim/verifier.hpp"
#include "dns/name.hpp"

namespace cli {
namespace {

struct KeygenOptions {
  std::string domain;
  std::string selector;
  std::string algorithm = "rsa-sha256";
  int bits = dkim::kRecommendedRsaBits;
  std::string out = ".";
};

struct SignOptions {
  std::string domain;
  std::string selector;
  std::string key;
  std::string canonicalization = "relaxed/relaxed";
  long expire = 0;
};

struct VerifyOptions {
  DnsOptions dns;
  bool json = false;
};

struct CheckOptions {
  DnsOptions dns;
  std::string domain;
  std::string selector;
  std::string key;
  bool json = false;
};

bool valid_selector(const std::string& selector) {
  return dns::is_valid_hostname(selector) || (!selector.empty() && selector.size() <= 63 &&
                                              selector.find_first_not_of("0123456789") == std::string::npos);
}

bool check_names(const std::string& domain, const std::string& selector) {
  if (!dns::is_valid_hostname(domain)) {
    print_error("--domain " + domain + ": not a domain name");
    return false;
  }
  if (!valid_selector(selector)) {
    print_error("--selector " + selector + ": not a selector (letters, digits, '-' and '.', e.g. s2026)");
    return false;
  }
  return true;
}

// All of stdin, or nothing when it is larger than the message limit.
std::optional<std::string> read_stdin(std::size_t limit) {
  std::string text;
  char buffer[65536];
  while (std::cin.read(buffer, sizeof buffer) || std::cin.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
    if (text.size() > limit) return std::nullopt;
  }
  return text;
}

std::string lf_lines(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!(text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) out += text[i];
  return out;
}

int run_keygen(const KeygenOptions& options) {
  if (!check_names(options.domain, options.selector)) return kUsage;
  auto algorithm = dkim::parse_algorithm(options.algorithm);
  if (!algorithm) {
    print_error("--algorithm " + options.algorithm + ": use rsa-sha256 or ed25519-sha256");
    return kUsage;
  }
  if (*algorithm == dkim::Algorithm::rsa_sha256 && options.bits < dkim::kMinRsaBits) {
    print_error("--bits " + std::to_string(options.bits) +
                ": RSA keys shorter than 1024 bits are ignored by "
                "receivers (RFC 8301); use 2048 (the default)");
    return kUsage;
  }
  if (*algorithm == dkim::Algorithm::ed25519_sha256 && !dkim::ed25519_supported()) {
    print_error(
        "this libopendkim cannot sign with ed25519-sha256 (DKIM_FEATURE_ED25519 is off); use rsa-sha256");
    return kUsage;
  }
  auto key = dkim::PrivateKey::generate(*algorithm, options.bits);
  if (!key) {
    print_error(key.error());
    return kUsage;
  }
  std::filesystem::path path = std::filesystem::path(options.out) /
                               (dns::canonical_name(options.domain) + "." + options.selector + ".pem");
  if (auto written = key->write_new(path); !written) {
    print_error(written.error());
    return kUsage;
  }
  std::cout << "; DKIM key for d=" << dns::canonical_name(options.domain) << " s=" << options.selector << ": "
            << dkim::to_string(key->algorithm()) << ", " << key->bits() << " bits, private key "
            << path.string() << " (mode 0600)\n"
            << dkim::zone_file_record(dns::canonical_name(options.domain), options.selector,
                                      dkim::key_record_text(*key))
            << "\n";
  return kOk;
}

int run_sign(const SignOptions& options) {
  if (!check_names(options.domain, options.selector)) return kUsage;
  auto canonicalization = dkim::parse_canonicalization(options.canonicalization);
  if (!canonicalization) {
    print_error("--canonicalization " + options.canonicalization +
                ": use header/body with each simple or relaxed, e.g. relaxed/relaxed");
    return kUsage;
  }
  if (options.expire < 0) {
    print_error("--expire must be a positive number of seconds");
    return kUsage;
  }
  dkim::SignerOptions signer_options;
  signer_options.canonicalization = *canonicalization;
  if (options.expire > 0) signer_options.expire_after = std::chrono::seconds(options.expire);
  dkim::SigningTable table({{"*", dns::canonical_name(options.domain), options.selector, options.key}});
  auto signer = dkim::Signer::create(table, signer_options);
  if (!signer) {
    print_error(signer.error());
    return kUsage;
  }
  auto message = read_stdin(signer_options.limits.max_message_bytes);
  if (!message) {
    print_error("the message on stdin is larger than " +
                std::to_string(signer_options.limits.max_message_bytes) + " bytes");
    return kUsage;
  }
  auto parsed = dkim::parse_message(*message, signer_options.limits);
  if (!parsed) {
    print_error("cannot sign the message on stdin: " + parsed.error());
    return kUsage;
  }
  auto fields = (*signer)->sign(*parsed);
  if (!fields) {
    print_error("cannot sign the message on stdin: " + fields.error());
    return kUsage;
  }
  std::cout << (parsed->crlf_input ? *fields : lf_lines(*fields)) << *message << std::flush;
  return kOk;
}

int verify_exit_code(const dkim::Verification& verification) {
  if (verification.signatures.empty()) return kCheckFailed;
  bool temporary = false;
  for (const auto& s : verification.signatures) {
    if (s.result == dkim::VerifyResult::temperror)
      temporary = true;
    else if (s.result != dkim::VerifyResult::pass)
      return kCheckFailed;
  }
  return temporary ? kTemporary : kOk;
}

int run_verify(const VerifyOptions& options) {
  auto verifier = dkim::Verifier::create();
  if (!verifier) {
    print_error(verifier.error());
    return kUsage;
  }
  dkim::MessageLimits limits;
  auto message = read_stdin(limits.max_message_bytes);
  if (!message) {
    print_error("the message on stdin is larger than " + std::to_string(limits.max_message_bytes) + " bytes");
    return kUsage;
  }
  asio::io_context io;
  auto resolver = make_resolver(io, options.dns);
  if (!resolver) return kUsage;
  auto verification = run_sync(io, (*verifier)->verify(*resolver, std::move(*message)));
  if (!verification) {
    print_error("cannot verify the message on stdin: " + verification.error());
    return kUsage;
  }
  int code = verify_exit_code(*verification);
  if (options.json) {
    nlohmann::json signatures = nlohmann::json::array();
    for (const auto& s : verification->signatures)
      signatures.push_back({{"domain", s.domain},
                            {"selector", s.selector},
                            {"algorithm", s.algorithm},
                            {"result", std::string(dkim::to_string(s.result))},
                            {"reason", s.reason},
                            {"testing", s.testing},
                            {"key_bits", s.key_bits}});
    std::cout << nlohmann::json{{"signatures", signatures}, {"ok", code == kOk}}.dump(2) << "\n";
  } else if (verification->signatures.empty()) {
    std::cout << "no DKIM-Signature in the message\n";
  } else {
    int n = 0;
    for (const auto& s : verification->signatures) {
      std::cout << "DKIM signature " << ++n << ": d=" << s.domain << " s=" << s.selector;
      if (!s.algorithm.empty()) std::cout << " a=" << s.algorithm;
      std::cout << ": " << dkim::to_string(s.result);
      if (!s.reason.empty()) std::cout << " (" << s.reason << ")";
      if (s.testing) std::cout << " [testing key, t=y]";
      std::cout << "\n";
    }
  }
  return code;
}

int run_check(const CheckOptions& options) {
  if (!check_names(options.domain, options.selector)) return kUsage;
  asio::io_context io;
  auto resolver = make_resolver(io, options.dns);
  if (!resolver) return kUsage;
  std::string domain = options.domain;
  std::string selector = options.selector;
  std::filesystem::path key = options.key;
  auto check = run_sync(io, dkim::check_key(*resolver, domain, selector, key));
  if (options.json) {
    nlohmann::json out{{"status", std::string(dkim::to_string(check.status))},
                       {"domain", check.domain},
                       {"selector", check.selector},
                       {"name", check.name},
                       {"algorithm", check.algorithm},
                       {"bits", check.bits},
                       {"record", check.record},
                       {"detail", check.detail},
                       {"fix", check.fix}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "DKIM key " << check.name << ": " << dkim::to_string(check.status) << "\n"
              << "  record: " << (check.record.empty() ? "(none)" : check.record) << "\n"
              << "  key:    " << check.algorithm << ", " << check.bits << " bits\n"
              << "  detail: " << check.detail << "\n";
    if (!check.fix.empty()) std::cout << "  fix:    " << check.fix << "\n";
  }
  if (check.status == dkim::KeyStatus::bad_key_file) {
    print_error(check.detail);
    return kUsage;
  }
  switch (dkim::severity(check.status)) {
    case dkim::Severity::pass:
    case dkim::Severity::warn:
      return kOk;
    case dkim::Severity::temporary:
      return kTemporary;
    case dkim::Severity::fail:
      return kCheckFailed;
  }
  return kCheckFailed;
}

void add_dkim_command(CLI::App& app, Cli& cli) {
  auto* dkim = app.add_subcommand(
      "dkim", "DKIM (RFC 6376, RFC 8463): make keys, sign and verify messages, check published keys");
  dkim->require_subcommand(1);

  auto keygen_options = std::make_shared<KeygenOptions>();
  auto* keygen = dkim->add_subcommand(
      "keygen",
      "Generate a DKIM private key with OpenSSL and print the DNS TXT record for SELECTOR._domainkey.DOMAIN, "
      "ready for a zone file (split into quoted strings of at most 255 octets). The key is written to "
      "OUT/DOMAIN.SELECTOR.pem with mode 0600; an existing file is never overwritten. Exit 0 on success, 2 "
      "on "
      "bad flags or when the file cannot be created.");
  keygen->add_option("--domain", keygen_options->domain, "The signing domain (d=)")
      ->required()
      ->type_name("D");
  keygen->add_option("--selector", keygen_options->selector, "The selector (s=), e.g. s2026")
      ->required()
      ->type_name("S");
  keygen
      ->add_option(
          "--algorithm", keygen_options->algorithm,
          "rsa-sha256 (the default, understood by every receiver) or ed25519-sha256 (RFC 8463; publish "
          "it beside an RSA key, as not every receiver verifies it)")
      ->type_name("ALG")
      ->capture_default_str();
  keygen
      ->add_option(
          "--bits", keygen_options->bits,
          "RSA key size: at least 1024 (receivers ignore shorter keys), 2048 recommended; ignored for "
          "ed25519")
      ->type_name("N")
      ->capture_default_str();
  keygen->add_option("--out", keygen_options->out, "Directory for the private key")
      ->type_name("DIR")
      ->capture_default_str();
  keygen->callback(
      [&cli, keygen_options] { cli.action = [keygen_options] { return run_keygen(*keygen_options); }; });

  auto sign_options = std::make_shared<SignOptions>();
  auto* sign = dkim->add_subcommand(
      "sign",
      "Sign the message on stdin and write it, with its DKIM-Signature field prepended, to stdout (LF or "
      "CRLF input; the output keeps the input's line endings). Signs From, To, Cc, Subject, Date, "
      "Message-ID, "
      "Reply-To, MIME and List-* fields and Feedback-ID when present, over-signing From, To and Subject. "
      "Exit 0 on success, 2 on bad flags, an unsafe or unreadable key, or a malformed message (no From, a "
      "header line without a colon, ...).");
  sign->add_option("--domain", sign_options->domain, "The signing domain (d=)")->required()->type_name("D");
  sign->add_option("--selector", sign_options->selector, "The selector (s=)")->required()->type_name("S");
  sign->add_option("--key", sign_options->key,
                   "PEM private key (RSA or Ed25519), readable only by its owner (chmod 600)")
      ->required()
      ->type_name("FILE");
  sign->add_option("--canonicalization", sign_options->canonicalization,
                   "header/body canonicalization, each simple or relaxed (c=)")
      ->type_name("C")
      ->capture_default_str();
  sign->add_option("--expire", sign_options->expire,
                   "Add x=: the signature expires this many seconds after signing (default: no x=)")
      ->type_name("SECONDS");
  sign->callback([&cli, sign_options] { cli.action = [sign_options] { return run_sign(*sign_options); }; });

  auto verify_options = std::make_shared<VerifyOptions>();
  auto* verify = dkim->add_subcommand(
      "verify",
      "Verify every DKIM-Signature of the message on stdin, fetching each key from DNS: prints each "
      "signature's domain, selector, algorithm, result (pass, fail, neutral, temperror, permerror) and "
      "reason "
      "(body hash mismatch, signature mismatch, key not found, key revoked, signature expired, ...). Exit 0 "
      "when there are signatures and all pass, 1 when there are none or one fails, 3 when a key lookup "
      "failed temporarily, 2 on bad flags or a malformed message.");
  verify->add_flag("--json", verify_options->json,
                   "Print one JSON object: signatures (domain, selector, algorithm, result, reason, testing, "
                   "key_bits) and ok");
  add_dns_options(*verify, verify_options->dns);
  verify->callback(
      [&cli, verify_options] { cli.action = [verify_options] { return run_verify(*verify_options); }; });

  auto check_options = std::make_shared<CheckOptions>();
  auto* check = dkim->add_subcommand(
      "check",
      "Look up the key published at SELECTOR._domainkey.DOMAIN, parse its tags (v, k, p, h, s, t) and "
      "compare "
      "it with the private key. Status: ok, missing, mismatch, revoked, testing (t=y), too_short (<1024 "
      "bits), weak (<2048 bits), malformed, wrong_key_type, temporary; with the fix for each. Exit 0 on ok "
      "(and on the warnings testing and weak), 1 when the check fails, 3 when DNS failed temporarily, 2 on "
      "bad flags or an unusable key file.");
  check->add_option("--domain", check_options->domain, "The signing domain (d=)")->required()->type_name("D");
  check->add_option("--selector", check_options->selector, "The selector (s=)")->required()->type_name("S");
  check->add_option("--key", check_options->key, "The PEM private key the record should match")
      ->required()
      ->type_name("FILE");
  check->add_flag(
      "--json", check_options->json,
      "Print one JSON object: status, domain, selector, name, algorithm, bits, record, detail, fix");
  add_dns_options(*check, check_options->dns);
  check->callback(
      [&cli, check_options] { cli.action = [check_options] { return run_check(*check_options); }; });
}

const Registration kRegistration{35, add_dkim_command};

}  // namespace
}  // namespace cli
