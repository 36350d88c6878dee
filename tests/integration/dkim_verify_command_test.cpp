// `relayctl dkim verify` against keys served by nsd (tests/fixtures/dns/dkim.test.zone): pass with RSA and
// Ed25519 (two signatures), body tampered, key missing, revoked, too small, testing key, wrong key, expired,
// a silent nameserver (temperror), unsigned and malformed messages, --json, exit codes; and signatures made
// by an independent signer (python3-dkim, tests/support/dkim_sign.py).
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dkim/signer.hpp"
#include "tests/support/dkim_tools.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/zone_files.hpp"

namespace {

using relay::test::run;

const std::string kMessage =
    "From: Alice <alice@dkim.test>\nTo: bob@example.org\nSubject: verify me\n"
    "Date: Mon, 23 Nov 2026 03:00:00 +0000\nMessage-ID: <v@dkim.test>\n\nHello Bob\n";

struct VerifyCommand : ::testing::Test {
  relay::test::TempDir dir;
  relay::test::NsdServer nsd{{relay::test::fixture_zone("dkim.test")}};
  std::filesystem::path rsa = relay::test::private_dkim_key(dir, "rsa2048");
  std::filesystem::path ed = relay::test::private_dkim_key(dir, "ed25519");

  std::string sign(const std::string& message, const std::string& selector,
                   const std::filesystem::path& key) {
    relay::test::RunOptions options;
    options.input = message;
    auto r = run({RELAYCTL_BINARY, "dkim", "sign", "--domain", "dkim.test", "--selector", selector, "--key",
                  key.string()},
                 options);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  relay::test::RunResult verify(const std::string& message, bool json = true, std::string nameserver = "") {
    relay::test::RunOptions options;
    options.input = message;
    std::vector<std::string> argv{
        RELAYCTL_BINARY, "dkim", "verify", "--nameserver", nameserver.empty() ? nsd.address() : nameserver,
        "--dns-timeout", "1"};
    if (json) argv.push_back("--json");
    return run(argv, options);
  }
  static nlohmann::json signature(const relay::test::RunResult& r, std::size_t index = 0) {
    auto json = nlohmann::json::parse(r.out);
    return json["signatures"].at(index);
  }
};

TEST_F(VerifyCommand, RsaAndEd25519SignaturesPass) {
  auto message = sign(sign(kMessage, "rsa", rsa), "ed", ed);
  auto r = verify(message);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json["signatures"].size(), 2u);
  EXPECT_EQ(json["ok"], true);
  EXPECT_EQ(json["signatures"][0]["selector"], "ed");  // the last added is on top
  EXPECT_EQ(json["signatures"][0]["algorithm"], "ed25519-sha256");
  EXPECT_EQ(json["signatures"][1]["selector"], "rsa");
  EXPECT_EQ(json["signatures"][1]["key_bits"], 2048);
  for (const auto& s : json["signatures"]) {
    EXPECT_EQ(s["result"], "pass");
    EXPECT_EQ(s["domain"], "dkim.test");
    EXPECT_EQ(s["testing"], false);
  }
  auto text = verify(message, false);
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("DKIM signature 1: d=dkim.test s=ed a=ed25519-sha256: pass"), std::string::npos)
      << text.out;
}

TEST_F(VerifyCommand, SignaturesMadeByPython3DkimPass) {
  for (const auto& [selector, key, algorithm] :
       {std::tuple{"rsa", rsa, "rsa-sha256"}, std::tuple{"ed", ed, "ed25519-sha256"}}) {
    SCOPED_TRACE(selector);
    relay::test::RunOptions input;
    input.input = kMessage;
    auto signed_message =
        run({"/usr/bin/python3", std::string(RELAY_SOURCE_DIR) + "/tests/support/dkim_sign.py", "--domain",
             "dkim.test", "--selector", selector, "--key", key.string(), "--algorithm", algorithm},
            input);
    ASSERT_EQ(signed_message.exit_code, 0) << signed_message.err;
    auto r = verify(signed_message.out);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(signature(r)["result"], "pass") << r.out;
    EXPECT_EQ(signature(r)["algorithm"], algorithm);
    auto tampered = verify(signed_message.out + "appended\n");
    EXPECT_EQ(signature(tampered)["result"], "fail");
  }
}

// A signature made with a 512-bit RSA key (python3-dkim still makes one; relayctl's signer refuses) is a
// permanent error that says the key is too small, not a mismatch (RFC 8301 §3.2: verifiers must not
// consider it valid).
TEST_F(VerifyCommand, KeyShorterThan1024BitsIsTooSmall) {
  relay::test::RunOptions input;
  input.input = kMessage;
  auto signed_message =
      run({"/usr/bin/python3", std::string(RELAY_SOURCE_DIR) + "/tests/support/dkim_sign.py", "--domain",
           "dkim.test", "--selector", "short", "--key", relay::test::private_dkim_key(dir, "rsa512").string(),
           "--algorithm", "rsa-sha256"},
          input);
  ASSERT_EQ(signed_message.exit_code, 0) << signed_message.err;
  auto r = verify(signed_message.out);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(signature(r)["result"], "permerror") << r.out;
  EXPECT_NE(signature(r)["reason"].get<std::string>().find("too small"), std::string::npos) << r.out;
  EXPECT_NE(signature(r)["reason"].get<std::string>().find("512"), std::string::npos) << r.out;
}

TEST_F(VerifyCommand, KeysSplitIntoShortStringsOrWithUnknownTagsPass) {
  for (std::string selector : {"split", "extra"}) {
    auto r = verify(sign(kMessage, selector, rsa));
    EXPECT_EQ(r.exit_code, 0) << selector << ": " << r.out;
  }
}

TEST_F(VerifyCommand, TamperedBodyFailsWithBodyHashReason) {
  auto r = verify(sign(kMessage, "rsa", rsa) + "appended\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(signature(r)["result"], "fail");
  EXPECT_NE(signature(r)["reason"].get<std::string>().find("body hash mismatch"), std::string::npos) << r.out;
}

TEST_F(VerifyCommand, KeyProblems) {
  struct Row {
    std::string selector;
    std::string result;
    std::string reason;
  };
  for (const Row& row :
       {Row{"nokey", "permerror", "key not found"}, Row{"nodata", "permerror", "key not found"},
        Row{"revoked", "permerror", "key revoked"}, Row{"mismatch", "fail", "signature mismatch"},
        Row{"wrongtype", "permerror", "k="}}) {
    SCOPED_TRACE(row.selector);
    auto r = verify(sign(kMessage, row.selector, rsa));
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_EQ(signature(r)["result"], row.result) << r.out;
    EXPECT_NE(signature(r)["reason"].get<std::string>().find(row.reason), std::string::npos) << r.out;
  }
}

TEST_F(VerifyCommand, TestingKeyPassesAndSaysSo) {
  auto message = sign(kMessage, "testing", rsa);
  auto r = verify(message);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(signature(r)["result"], "pass");
  EXPECT_EQ(signature(r)["testing"], true);
  EXPECT_NE(verify(message, false).out.find("testing key, t=y"), std::string::npos);
}

TEST_F(VerifyCommand, ExpiredSignatureFails) {
  dkim::SignerOptions options;
  options.fixed_time = 1700000000;  // November 2023
  options.expire_after = std::chrono::hours(24);
  auto signer = dkim::Signer::create(dkim::SigningTable({{"*", "dkim.test", "rsa", rsa}}), options);
  ASSERT_TRUE(signer.ok()) << signer.error();
  auto field = (*signer)->sign(kMessage);
  ASSERT_TRUE(field.ok()) << field.error();
  auto r = verify(*field + kMessage);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(signature(r)["reason"].get<std::string>().find("expired"), std::string::npos) << r.out;
}

TEST_F(VerifyCommand, SilentNameserverIsTemporary) {
  relay::test::SilentDnsServer silent;
  auto r = verify(sign(kMessage, "rsa", rsa), true, silent.address());
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(signature(r)["result"], "temperror");
  EXPECT_GE(silent.received(), 1u);
}

TEST_F(VerifyCommand, UnsignedMalformedAndHelp) {
  auto unsigned_message = verify(kMessage, false);
  EXPECT_EQ(unsigned_message.exit_code, 1);
  EXPECT_NE(unsigned_message.out.find("no DKIM-Signature"), std::string::npos);
  auto json = verify(kMessage);
  EXPECT_EQ(nlohmann::json::parse(json.out)["signatures"].size(), 0u);
  auto malformed = verify("From: a@dkim.test\nno colon here\n\nbody\n");
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_NE(malformed.err.find("no colon"), std::string::npos) << malformed.err;
  auto garbage = verify("DKIM-Signature: v=1; a=rsa-sha256; d=dkim.test\n" + kMessage);
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_EQ(signature(garbage)["result"], "neutral") << garbage.out;
  auto help = run({RELAYCTL_BINARY, "dkim", "verify", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--nameserver"), std::string::npos);
  EXPECT_NE(help.out.find("--json"), std::string::npos);
}

}  // namespace
