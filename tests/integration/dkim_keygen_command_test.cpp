// `relayctl dkim keygen`: the key file (mode 0600, never overwritten), RSA sizes (<1024 refused, 2048 by
// default), Ed25519, the zone-file record split into strings of at most 255 octets; then the record served by
// nsd: `dkim check` says ok and a message signed with the new key verifies with python3-dkim.
#include <regex>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/dkim_tools.hpp"
#include "tests/support/nsd_server.hpp"
#include "tests/support/process.hpp"

namespace {

using relay::test::run;

struct Record {
  std::string name;
  std::vector<std::string> strings;
  std::string joined() const {
    std::string out;
    for (const auto& s : strings)
      out += s;
    return out;
  }
};

Record parse_zone_line(const std::string& out) {
  Record record;
  std::smatch line;
  EXPECT_TRUE(std::regex_search(out, line, std::regex(R"(\n(\S+) 3600 IN TXT \(((?: "[^"]*")+) \)\n)")))
      << out;
  if (line.empty()) return record;
  record.name = line[1];
  std::string strings = line[2];
  std::regex quoted("\"([^\"]*)\"");
  for (auto it = std::sregex_iterator(strings.begin(), strings.end(), quoted); it != std::sregex_iterator();
       ++it)
    record.strings.push_back((*it)[1]);
  return record;
}

unsigned mode_of(const std::filesystem::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0);
  return info.st_mode & 07777;
}

struct KeygenCommand : ::testing::Test {
  relay::test::TempDir dir;
  relay::test::RunResult keygen(std::vector<std::string> args) {
    args.insert(args.begin(), {RELAYCTL_BINARY, "dkim", "keygen", "--out", dir.path().string()});
    return run(args);
  }
};

TEST_F(KeygenCommand, RsaDefaultIs2048BitsMode0600AndSplitRecord) {
  auto r = keygen({"--domain", "Gen.Test", "--selector", "s2026"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto key = dir.path() / "gen.test.s2026.pem";
  EXPECT_EQ(mode_of(key), 0600u);
  EXPECT_NE(r.out.find("rsa-sha256, 2048 bits"), std::string::npos) << r.out;
  auto record = parse_zone_line(r.out);
  EXPECT_EQ(record.name, "s2026._domainkey.gen.test.");
  ASSERT_EQ(record.strings.size(), 2u) << "a 2048-bit key's record is longer than 255 octets";
  for (const auto& s : record.strings)
    EXPECT_LE(s.size(), 255u);
  auto openssl = run({"openssl", "pkey", "-in", key.string(), "-pubout", "-outform", "DER"});
  ASSERT_EQ(openssl.exit_code, 0);
  relay::test::RunOptions der;
  der.input = openssl.out;
  auto base64 = run({"base64", "-w0"}, der);
  EXPECT_EQ(record.joined(), "v=DKIM1; k=rsa; p=" + base64.out);
  auto text = run({"openssl", "pkey", "-in", key.string(), "-text", "-noout"});
  EXPECT_NE(text.out.find("2048 bit"), std::string::npos);
}

TEST_F(KeygenCommand, NeverOverwritesAndRefusesShortRsa) {
  ASSERT_EQ(keygen({"--domain", "gen.test", "--selector", "s1", "--bits", "1024"}).exit_code, 0);
  auto key = dir.path() / "gen.test.s1.pem";
  auto before = run({"cat", key.string()}).out;
  auto again = keygen({"--domain", "gen.test", "--selector", "s1"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(run({"cat", key.string()}).out, before);
  auto tiny = keygen({"--domain", "gen.test", "--selector", "s2", "--bits", "512"});
  EXPECT_EQ(tiny.exit_code, 2);
  EXPECT_NE(tiny.err.find("--bits 512"), std::string::npos) << tiny.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "gen.test.s2.pem"));
  EXPECT_EQ(keygen({"--domain", "gen.test", "--selector", "s3", "--algorithm", "dsa"}).exit_code, 2);
  EXPECT_EQ(keygen({"--domain", "-bad-", "--selector", "s3"}).exit_code, 2);
  EXPECT_EQ(keygen({"--domain", "gen.test", "--selector", "a b"}).exit_code, 2);
  auto no_dir = run({RELAYCTL_BINARY, "dkim", "keygen", "--domain", "gen.test", "--selector", "s4", "--out",
                     (dir.path() / "absent").string()});
  EXPECT_EQ(no_dir.exit_code, 2);
  EXPECT_NE(no_dir.err.find("absent"), std::string::npos);
}

TEST_F(KeygenCommand, PublishedKeysCheckOkAndSignaturesVerify) {
  auto rsa = keygen({"--domain", "gen.test", "--selector", "rsa"});
  auto ed = keygen({"--domain", "gen.test", "--selector", "ed", "--algorithm", "ed25519-sha256"});
  ASSERT_EQ(rsa.exit_code, 0) << rsa.err;
  ASSERT_EQ(ed.exit_code, 0) << ed.err;
  auto ed_record = parse_zone_line(ed.out);
  ASSERT_EQ(ed_record.strings.size(), 1u);
  EXPECT_TRUE(ed_record.joined().starts_with("v=DKIM1; k=ed25519; p=")) << ed_record.joined();
  EXPECT_EQ(ed_record.joined().size(), std::string("v=DKIM1; k=ed25519; p=").size() + 44);
  // The printed lines are zone-file text as they are: serve them.
  relay::test::NsdServer nsd({{"gen.test", rsa.out + ed.out}});
  const std::string message = "From: news@gen.test\nTo: reader@example.org\nSubject: fresh keys\n\nHello\n";
  for (std::string selector : {"rsa", "ed"}) {
    SCOPED_TRACE(selector);
    auto key = (dir.path() / ("gen.test." + selector + ".pem")).string();
    auto check = run({RELAYCTL_BINARY, "dkim", "check", "--domain", "gen.test", "--selector", selector,
                      "--key", key, "--nameserver", nsd.address(), "--json"});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    EXPECT_EQ(nlohmann::json::parse(check.out)["status"], "ok");
    relay::test::RunOptions input;
    input.input = message;
    auto signed_message =
        run({RELAYCTL_BINARY, "dkim", "sign", "--domain", "gen.test", "--selector", selector, "--key", key},
            input);
    ASSERT_EQ(signed_message.exit_code, 0) << signed_message.err;
    auto verdict = relay::test::python_dkim_verify(signed_message.out, nsd.address());
    EXPECT_EQ(verdict.exit_code, 0) << verdict.out << verdict.err;
  }
  auto help = run({RELAYCTL_BINARY, "dkim", "keygen", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (std::string word : {"--domain", "--selector", "--algorithm", "--bits", "--out", "0600"})
    EXPECT_NE(help.out.find(word), std::string::npos) << word;
}

}  // namespace
