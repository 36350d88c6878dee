// Signer and Verifier in-process: the signed header set and over-signing, the signing table's several
// signatures, malformed input, key file refusal, and sign→verify round trips with prefetched key records
// (pass, tampered body and headers, missing, revoked, testing, expired, DNS failure), on several threads.
#include "dkim/signer.hpp"

#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "dkim/key_handoff.hpp"
#include "dkim/keys.hpp"
#include "dkim/tag_list.hpp"
#include "dkim/verifier.hpp"
#include "tests/support/dkim_tools.hpp"
#include "tests/support/temp_dir.hpp"

namespace dkim {
namespace {

using relay::test::private_dkim_key;

const std::string kMessage =
    "Received: from a by b; Mon, 1 Jan 2026 00:00:00 +0000\r\n"
    "Return-Path: <bounce@example.com>\r\n"
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.org\r\n"
    "Cc: carol@example.org\r\n"
    "Subject: Hello\r\n"
    "Date: Mon, 1 Jan 2026 00:00:00 +0000\r\n"
    "Message-ID: <1@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "List-Unsubscribe: <https://example.com/u/1>\r\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    "Feedback-ID: c1:campaign:relayctl\r\n"
    "X-Mailer: test\r\n"
    "\r\n"
    "Hello Bob\r\n";

struct Fixture : ::testing::Test {
  relay::test::TempDir dir;
  std::filesystem::path rsa = private_dkim_key(dir, "rsa2048");
  std::filesystem::path ed = private_dkim_key(dir, "ed25519");

  std::unique_ptr<Signer> signer(std::vector<SigningRule> rules, SignerOptions options = {}) {
    auto created = Signer::create(SigningTable(std::move(rules)), options);
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error());
    return created.ok() ? std::move(*created) : nullptr;
  }
  static std::string record(const std::filesystem::path& path) {
    auto key = PrivateKey::load(path);
    return key.ok() ? key_record_text(*key) : "";
  }
  static dns::Lookup<std::string> answer(std::string text) {
    dns::Lookup<std::string> lookup;
    lookup.status = dns::Status::answer;
    lookup.values.push_back(std::move(text));
    return lookup;
  }
  static dns::Lookup<std::string> status(dns::Status s) {
    dns::Lookup<std::string> lookup;
    lookup.status = s;
    return lookup;
  }
  static Verification verify(const std::string& message, const KeyAnswers& keys) {
    auto verifier = Verifier::create();
    EXPECT_TRUE(verifier.ok());
    auto parsed = parse_message(message);
    EXPECT_TRUE(parsed.ok()) << parsed.error();
    auto result = (*verifier)->verify(*parsed, keys);
    EXPECT_TRUE(result.ok()) << result.error();
    return result.ok() ? *result : Verification{};
  }
};

std::string tag(const std::string& field, const std::string& name) {
  auto colon = field.find(':');
  auto tags = parse_tag_list(std::string_view(field).substr(colon + 1));
  if (!tags) return "";
  const std::string* value = find_tag(*tags, name);
  return value ? strip_whitespace(*value) : "";
}

TEST_F(Fixture, SignsTheRfc6376HeaderSetAndOversignsFromToSubject) {
  auto s = signer({{"*", "example.com", "rsa", rsa}}, SignerOptions{{}, std::nullopt, 1767225600, {}});
  auto field = s->sign(kMessage);
  ASSERT_TRUE(field.ok()) << field.error();
  EXPECT_TRUE(
      field->starts_with("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=rsa;"));
  EXPECT_TRUE(field->ends_with("\r\n"));
  EXPECT_EQ(field->find('\n'), field->find("\r\n") + 1) << "folded with CRLF";
  EXPECT_EQ(
      tag(*field, "h"),
      "From:To:Cc:Subject:Date:Message-ID:MIME-Version:Content-Type:List-Unsubscribe:List-Unsubscribe-Post:"
      "Feedback-ID:From:To:Subject");
  EXPECT_EQ(tag(*field, "t"), "1767225600");
  EXPECT_EQ(tag(*field, "l"), "");
  EXPECT_EQ(tag(*field, "x"), "");
}

TEST_F(Fixture, AbsentOversignedFieldsAreStillListed) {
  auto s = signer({{"*", "example.com", "rsa", rsa}});
  auto field = s->sign("From: a@example.com\nDate: Mon, 1 Jan 2026 00:00:00 +0000\n\nbody\n");
  ASSERT_TRUE(field.ok()) << field.error();
  EXPECT_EQ(tag(*field, "h"), "From:Date:From:To:Subject");
}

TEST_F(Fixture, ExpiryAndCanonicalizationOptions) {
  SignerOptions options;
  options.canonicalization = *parse_canonicalization("simple/relaxed");
  options.expire_after = std::chrono::hours(24);
  options.fixed_time = 1767225600;
  auto field = signer({{"*", "example.com", "ed", ed}}, options)->sign(kMessage);
  ASSERT_TRUE(field.ok()) << field.error();
  EXPECT_EQ(tag(*field, "a"), "ed25519-sha256");
  EXPECT_EQ(tag(*field, "c"), "simple/relaxed");
  EXPECT_EQ(tag(*field, "x"), std::to_string(1767225600 + 86400));
  EXPECT_EQ(parse_canonicalization("simple"), (Canonicalization{Canon::simple, Canon::simple}));
  EXPECT_EQ(parse_canonicalization("relaxed/bogus"), std::nullopt);
  EXPECT_TRUE(ed25519_supported());
}

TEST_F(Fixture, SigningTablePicksKeysByFromDomain) {
  auto s = signer({{"example.com", "example.com", "rsa", rsa},
                   {"example.com", "esp.test", "ed", ed},
                   {"*.example.com", "example.com", "sub", rsa},
                   {"*", "esp.test", "default", ed}});
  EXPECT_EQ(s->key_count(), 2u);
  auto both = s->sign(kMessage);
  ASSERT_TRUE(both.ok()) << both.error();
  std::regex field("DKIM-Signature:[^]*?(?=DKIM-Signature:|$)");
  std::vector<std::string> fields(std::sregex_token_iterator(both->begin(), both->end(), field),
                                  std::sregex_token_iterator());
  ASSERT_EQ(fields.size(), 2u) << *both;
  EXPECT_EQ(tag(fields[0], "d") + "/" + tag(fields[0], "s"), "example.com/rsa");
  EXPECT_EQ(tag(fields[1], "d") + "/" + tag(fields[1], "s"), "esp.test/ed");
  auto sub = s->sign("From: x@news.example.com\n\nhi\n");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(tag(*sub, "s"), "sub");
  auto other = s->sign("From: x@other.test\n\nhi\n");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(tag(*other, "s"), "default");
  auto none = signer({{"example.com", "example.com", "rsa", rsa}})->sign("From: x@other.test\n\nhi\n");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, "");
}

TEST_F(Fixture, MalformedMessagesAreErrorValues) {
  auto s = signer({{"*", "example.com", "rsa", rsa}});
  for (std::string bad :
       {std::string("To: b@example.org\n\nno from\n"), std::string("From: a@x.test\nbroken\n\n"),
        std::string("From: a@x.test\nFrom: b@x.test\n\n"), std::string(""),
        std::string("From: a@x.test\nX-Huge: ") + std::string(100000, 'h') + "\n\n"}) {
    auto result = s->sign(bad);
    EXPECT_FALSE(result.ok()) << bad.substr(0, 40);
  }
}

TEST_F(Fixture, UnsafeOrShortKeysAreRefused) {
  std::filesystem::permissions(rsa, std::filesystem::perms::others_read, std::filesystem::perm_options::add);
  auto world = Signer::create(SigningTable({{"*", "example.com", "rsa", rsa}}));
  ASSERT_FALSE(world.ok());
  EXPECT_NE(world.error().find("readable by every user"), std::string::npos) << world.error();
  EXPECT_NE(world.error().find("chmod 600 " + rsa.string()), std::string::npos) << world.error();
  std::filesystem::permissions(rsa, std::filesystem::perms::owner_read | std::filesystem::perms::group_write,
                               std::filesystem::perm_options::replace);
  auto group = Signer::create(SigningTable({{"*", "example.com", "rsa", rsa}}));
  ASSERT_FALSE(group.ok());
  EXPECT_NE(group.error().find("writable by its group"), std::string::npos) << group.error();
  auto shorter = Signer::create(SigningTable({{"*", "example.com", "s", private_dkim_key(dir, "rsa512")}}));
  ASSERT_FALSE(shorter.ok());
  EXPECT_NE(shorter.error().find("512-bit"), std::string::npos) << shorter.error();
  auto missing = Signer::create(SigningTable({{"*", "example.com", "s", dir.path() / "nope.pem"}}));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("nope.pem"), std::string::npos);
  auto not_pem = Signer::create(SigningTable({{"*", "example.com", "s", dir.write("x.pem", "hello")}}));
  EXPECT_FALSE(not_pem.ok());
}

TEST_F(Fixture, RoundTripResults) {
  SignerOptions options;
  auto s = signer({{"*", "example.com", "rsa", rsa}, {"*", "example.com", "ed", ed}}, options);
  auto fields = s->sign(kMessage);
  ASSERT_TRUE(fields.ok()) << fields.error();
  std::string signed_message = *fields + kMessage;
  KeyAnswers keys{{"rsa._domainkey.example.com", answer(record(rsa))},
                  {"ed._domainkey.example.com", answer(record(ed))}};
  auto good = verify(signed_message, keys);
  ASSERT_EQ(good.signatures.size(), 2u);
  for (const auto& sig : good.signatures) {
    EXPECT_EQ(sig.result, VerifyResult::pass) << sig.selector << ": " << sig.reason;
    EXPECT_EQ(sig.domain, "example.com");
  }
  EXPECT_EQ(good.signatures[0].algorithm, "rsa-sha256");
  EXPECT_EQ(good.signatures[0].key_bits, 2048u);
  EXPECT_EQ(good.signatures[1].algorithm, "ed25519-sha256");

  auto body = verify(*fields + kMessage + "P.S. added\r\n", keys);
  EXPECT_EQ(body.signatures[0].result, VerifyResult::fail);
  EXPECT_NE(body.signatures[0].reason.find("body hash"), std::string::npos) << body.signatures[0].reason;

  std::string subject = signed_message;
  subject.replace(subject.find("Subject: Hello"), 14, "Subject: Hallo");
  auto header = verify(subject, keys);
  EXPECT_EQ(header.signatures[0].result, VerifyResult::fail);
  EXPECT_NE(header.signatures[0].reason.find("signature mismatch"), std::string::npos);

  auto added_from = verify("From: mallory@evil.test\r\n" + signed_message, keys);
  EXPECT_EQ(added_from.signatures[0].result, VerifyResult::fail);

  KeyAnswers missing{{"ed._domainkey.example.com", status(dns::Status::nxdomain)},
                     {"rsa._domainkey.example.com", status(dns::Status::temporary)}};
  auto failures = verify(signed_message, missing);
  EXPECT_EQ(failures.signatures[0].result, VerifyResult::temperror);
  EXPECT_EQ(failures.signatures[1].result, VerifyResult::permerror);
  EXPECT_NE(failures.signatures[1].reason.find("key not found"), std::string::npos)
      << failures.signatures[1].reason;

  KeyAnswers revoked{{"rsa._domainkey.example.com", answer("v=DKIM1; k=rsa; p=")},
                     {"ed._domainkey.example.com", answer(record(ed) + "; t=y")}};
  auto odd = verify(signed_message, revoked);
  EXPECT_EQ(odd.signatures[0].result, VerifyResult::permerror);
  EXPECT_NE(odd.signatures[0].reason.find("revoked"), std::string::npos) << odd.signatures[0].reason;
  EXPECT_EQ(odd.signatures[1].result, VerifyResult::pass);
  EXPECT_TRUE(odd.signatures[1].testing);
}

TEST_F(Fixture, ExpiredSignature) {
  SignerOptions options;
  options.fixed_time = 1000000000;  // 2001
  options.expire_after = std::chrono::hours(1);
  auto fields = signer({{"*", "example.com", "rsa", rsa}}, options)->sign(kMessage);
  ASSERT_TRUE(fields.ok());
  auto result = verify(*fields + kMessage, {{"rsa._domainkey.example.com", answer(record(rsa))}});
  ASSERT_EQ(result.signatures.size(), 1u);
  EXPECT_NE(result.signatures[0].result, VerifyResult::pass);
  EXPECT_NE(result.signatures[0].reason.find("expired"), std::string::npos) << result.signatures[0].reason;
}

TEST_F(Fixture, UnsignedAndBrokenSignatures) {
  EXPECT_TRUE(verify(kMessage, {}).signatures.empty());
  auto broken = verify("DKIM-Signature: v=1; a=rsa-sha256; d=example.com\r\n" + kMessage, {});
  ASSERT_EQ(broken.signatures.size(), 1u);
  EXPECT_EQ(broken.signatures[0].result, VerifyResult::neutral) << broken.signatures[0].reason;
  auto algorithm = verify(
      "DKIM-Signature: v=1; a=rsa-md5; c=relaxed/relaxed; d=example.com; s=rsa; h=From; bh=AAAA; b=AAAA\r\n" +
          kMessage,
      {});
  ASSERT_EQ(algorithm.signatures.size(), 1u);
  EXPECT_NE(algorithm.signatures[0].result, VerifyResult::pass);
  EXPECT_NE(algorithm.signatures[0].reason.find("algorithm"), std::string::npos)
      << algorithm.signatures[0].reason;
}

TEST_F(Fixture, LibopendkimGetsTheLoadedKeyInsteadOfParsingIt) {
  auto s = signer({{"*", "example.com", "rsa", rsa}, {"*", "example.com", "ed", ed}});
  auto before = detail::handoffs_served();
  auto fields = s->sign(kMessage);
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(detail::handoffs_served(), before + 2);
  auto other = PrivateKey::load(rsa);  // every other PEM read still parses the text
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->public_key_base64(), PrivateKey::load(rsa)->public_key_base64());
  EXPECT_EQ(detail::handoffs_served(), before + 2);
}

TEST_F(Fixture, SignsOnSeveralThreadsAtOnce) {
  auto s = signer({{"*", "example.com", "rsa", rsa}, {"*", "example.com", "ed", ed}});
  KeyAnswers keys{{"rsa._domainkey.example.com", answer(record(rsa))},
                  {"ed._domainkey.example.com", answer(record(ed))}};
  std::vector<std::string> outputs(4 * 10);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto message = "From: a@example.com\r\nSubject: " + std::to_string(t * 10 + i) + "\r\n\r\nbody\r\n";
        auto field = s->sign(message);
        outputs[t * 10 + i] = field.ok() ? *field + message : "";
      }
    });
  for (auto& thread : threads)
    thread.join();
  for (const auto& message : outputs) {
    ASSERT_FALSE(message.empty());
    auto result = verify(message, keys);
    ASSERT_EQ(result.signatures.size(), 2u);
    EXPECT_EQ(result.signatures[0].result, VerifyResult::pass);
    EXPECT_EQ(result.signatures[1].result, VerifyResult::pass);
  }
}

}  // namespace
}  // namespace dkim
