#include "dkim/check.hpp"

#include "dkim/key_record.hpp"
#include "dns/name.hpp"

namespace dkim {
namespace {

std::string publish(const KeyCheck& check, const PrivateKey& key) {
  return zone_file_record(check.domain, check.selector, key_record_text(key));
}

KeyCheck& set(KeyCheck& check, KeyStatus status, std::string detail, std::string fix) {
  check.status = status;
  check.detail = std::move(detail);
  check.fix = std::move(fix);
  return check;
}

}  // namespace

std::string_view to_string(KeyStatus status) {
  switch (status) {
    case KeyStatus::ok:
      return "ok";
    case KeyStatus::missing:
      return "missing";
    case KeyStatus::mismatch:
      return "mismatch";
    case KeyStatus::revoked:
      return "revoked";
    case KeyStatus::testing:
      return "testing";
    case KeyStatus::too_short:
      return "too_short";
    case KeyStatus::weak:
      return "weak";
    case KeyStatus::malformed:
      return "malformed";
    case KeyStatus::wrong_key_type:
      return "wrong_key_type";
    case KeyStatus::temporary:
      return "temporary";
    case KeyStatus::bad_key_file:
      return "bad_key_file";
  }
  return "malformed";
}

Severity severity(KeyStatus status) {
  switch (status) {
    case KeyStatus::ok:
      return Severity::pass;
    case KeyStatus::testing:
    case KeyStatus::weak:
      return Severity::warn;
    case KeyStatus::temporary:
      return Severity::temporary;
    default:
      return Severity::fail;
  }
}

KeyCheck evaluate_key(std::string_view domain, std::string_view selector, const dns::Lookup<std::string>& txt,
                      const PrivateKey& key) {
  KeyCheck check;
  check.domain = dns::canonical_name(domain);
  check.selector = std::string(selector);
  check.name = check.selector + "._domainkey." + check.domain;
  check.algorithm = std::string(to_string(key.algorithm()));
  check.bits = key.bits();
  const std::string zone_line = publish(check, key);

  switch (txt.status) {
    case dns::Status::answer:
      break;
    case dns::Status::nxdomain:
    case dns::Status::nodata:
      return set(check, KeyStatus::missing,
                 "no TXT record at " + check.name + " (" + std::string(dns::to_string(txt.status)) + ")",
                 "publish in the " + check.domain + " zone: " + zone_line);
    case dns::Status::temporary:
    case dns::Status::malformed:
      return set(
          check, KeyStatus::temporary,
          "DNS lookup of " + check.name + " failed: " + (txt.detail.empty() ? "no answer" : txt.detail),
          "try again; if it persists, check that the nameservers answer for " + check.domain);
  }
  if (txt.values.empty())
    return set(check, KeyStatus::missing, "no TXT record at " + check.name,
               "publish in the " + check.domain + " zone: " + zone_line);

  std::vector<KeyRecord> records;
  std::string first_error;
  for (const auto& text : txt.values) {
    auto parsed = parse_key_record(text);
    if (parsed) {
      if (records.empty()) check.record = text;
      records.push_back(std::move(*parsed));
    } else if (first_error.empty()) {
      first_error = parsed.error();
    }
  }
  if (records.empty()) {
    check.record = txt.values.front();
    return set(check, KeyStatus::malformed,
               "the TXT record at " + check.name + " is not a DKIM key record: " + first_error,
               "replace it with: " + zone_line);
  }
  if (records.size() > 1)
    return set(check, KeyStatus::malformed,
               std::to_string(records.size()) + " DKIM key records at " + check.name +
                   ": receivers pick either one, so signatures verify only sometimes",
               "keep only one record at " + check.name + ": " + zone_line);
  const KeyRecord& record = records.front();
  if (record.revoked())
    return set(check, KeyStatus::revoked, "the key at " + check.name + " is revoked (empty p=)",
               "sign with a new selector and publish its key (relayctl dkim keygen), or stop signing with " +
                   check.selector);
  if (record.key_type != key_type(key.algorithm()))
    return set(check, KeyStatus::wrong_key_type,
               "the record says k=" + record.key_type + " but the private key is " +
                   std::string(key_type(key.algorithm())),
               "publish the key of this private key: " + zone_line);
  auto bits = public_key_bits(record);
  if (!bits)
    return set(check, KeyStatus::malformed,
               "p= at " + check.name + " is not a valid " + record.key_type + " public key",
               "replace the record with: " + zone_line);
  check.bits = *bits;
  if (!record.for_email())
    return set(check, KeyStatus::malformed, "the record's s= excludes email, so receivers ignore the key",
               "drop s= from the record: " + zone_line);
  if (!record.allows_sha256())
    return set(check, KeyStatus::malformed,
               "the record's h= excludes sha256, the only hash relayctl signs with",
               "drop h= from the record: " + zone_line);
  if (record.public_key_base64 != key.public_key_base64())
    return set(
        check, KeyStatus::mismatch,
        "the published key at " + check.name + " is not the public half of this private key",
        "publish the matching key (or sign with the private key that belongs to the record): " + zone_line);
  if (key.algorithm() == Algorithm::rsa_sha256 && *bits < kMinRsaBits)
    return set(check, KeyStatus::too_short,
               "the key is " + std::to_string(*bits) +
                   "-bit RSA: receivers ignore keys shorter than 1024 bits (RFC 8301)",
               "make a 2048-bit key under a new selector (relayctl dkim keygen --bits 2048) and publish it");
  if (record.testing)
    return set(check, KeyStatus::testing,
               "the key matches but t=y marks it as testing: receivers treat failures as unsigned mail",
               "remove t=y when signing works: " + zone_line);
  if (key.algorithm() == Algorithm::rsa_sha256 && *bits < kRecommendedRsaBits)
    return set(check, KeyStatus::weak,
               "the key matches but is only " + std::to_string(*bits) + "-bit RSA; 2048 bits is the norm",
               "rotate to a 2048-bit key under a new selector (relayctl dkim keygen --bits 2048)");
  return set(
      check, KeyStatus::ok,
      "the published " + std::to_string(*bits) + "-bit " + record.key_type + " key matches the private key",
      "");
}

asio::awaitable<KeyCheck> check_key(dns::Resolver& resolver, std::string domain, std::string selector,
                                    std::filesystem::path key_path) {
  auto key = PrivateKey::load(key_path);
  if (!key) {
    KeyCheck check;
    check.domain = dns::canonical_name(domain);
    check.selector = selector;
    check.name = selector + "._domainkey." + check.domain;
    check.status = KeyStatus::bad_key_file;
    check.detail = key.error();
    check.fix = "fix the key file, or make a new key with relayctl dkim keygen";
    co_return check;
  }
  std::string name = selector + "._domainkey." + dns::canonical_name(domain);
  auto txt = co_await dns::lookup_txt(resolver, name);
  co_return evaluate_key(domain, selector, txt, *key);
}

}  // namespace dkim
