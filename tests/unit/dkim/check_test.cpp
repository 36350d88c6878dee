// check_key's verdicts, table-driven over the DNS outcome and the published record, and the coroutine
// with a MemoryResolver; each status carries a detail and (except ok) a fix.
#include "dkim/check.hpp"

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

#include "dns/resolver/memory_resolver.hpp"
#include "tests/support/dkim_tools.hpp"

namespace dkim {
namespace {

struct Keys {
  relay::test::TempDir dir;
  PrivateKey rsa = *PrivateKey::load(relay::test::private_dkim_key(dir, "rsa2048"));
  PrivateKey other = *PrivateKey::load(relay::test::private_dkim_key(dir, "other2048"));
  PrivateKey weak = *PrivateKey::load(relay::test::private_dkim_key(dir, "rsa1024"));
  PrivateKey tiny = *PrivateKey::load(relay::test::private_dkim_key(dir, "rsa512"));
  PrivateKey ed = *PrivateKey::load(relay::test::private_dkim_key(dir, "ed25519"));
};

const Keys& keys() {
  static const Keys k;
  return k;
}

struct Case {
  const char* label;
  dns::Status status;
  std::vector<std::string> records;
  const PrivateKey& (*key)();
  KeyStatus expected;
  std::string detail;
};

const PrivateKey& rsa() {
  return keys().rsa;
}
const PrivateKey& weak() {
  return keys().weak;
}
const PrivateKey& tiny() {
  return keys().tiny;
}
const PrivateKey& ed() {
  return keys().ed;
}
std::string p(const PrivateKey& key) {
  return key.public_key_base64();
}

class CheckTable : public ::testing::TestWithParam<Case> {};

TEST_P(CheckTable, Status) {
  const Case& c = GetParam();
  dns::Lookup<std::string> lookup;
  lookup.status = c.status;
  lookup.values = c.records;
  lookup.detail = c.status == dns::Status::temporary ? "timeout after 2s" : "";
  auto check = evaluate_key("Example.COM", "s1", lookup, c.key());
  EXPECT_EQ(to_string(check.status), to_string(c.expected)) << c.label << ": " << check.detail;
  EXPECT_EQ(check.name, "s1._domainkey.example.com");
  EXPECT_NE(check.detail.find(c.detail), std::string::npos) << check.detail;
  EXPECT_EQ(check.fix.empty(), c.expected == KeyStatus::ok) << check.fix;
  EXPECT_EQ(check.detail.find('\n'), std::string::npos);
  EXPECT_EQ(check.fix.find('\n'), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, CheckTable,
    ::testing::Values(
        Case{"ok", dns::Status::answer, {"v=DKIM1; k=rsa; p=" + p(rsa())}, rsa, KeyStatus::ok, "2048-bit"},
        Case{"ok ed25519",
             dns::Status::answer,
             {"v=DKIM1; k=ed25519; p=" + p(ed())},
             ed,
             KeyStatus::ok,
             "256"},
        Case{"ok beside other TXT",
             dns::Status::answer,
             {"hello", "v=DKIM1; p=" + p(rsa())},
             rsa,
             KeyStatus::ok,
             ""},
        Case{"nxdomain", dns::Status::nxdomain, {}, rsa, KeyStatus::missing, "no TXT record"},
        Case{"nodata", dns::Status::nodata, {}, rsa, KeyStatus::missing, "nodata"},
        Case{"timeout", dns::Status::temporary, {}, rsa, KeyStatus::temporary, "timeout after 2s"},
        Case{"mismatch",
             dns::Status::answer,
             {"v=DKIM1; k=rsa; p=" + keys().other.public_key_base64()},
             rsa,
             KeyStatus::mismatch,
             "not the public half"},
        Case{"revoked", dns::Status::answer, {"v=DKIM1; k=rsa; p="}, rsa, KeyStatus::revoked, "revoked"},
        Case{"testing", dns::Status::answer, {"v=DKIM1; t=y; p=" + p(rsa())}, rsa, KeyStatus::testing, "t=y"},
        Case{"too short",
             dns::Status::answer,
             {"v=DKIM1; p=" + p(tiny())},
             tiny,
             KeyStatus::too_short,
             "512-bit"},
        Case{"weak", dns::Status::answer, {"v=DKIM1; p=" + p(weak())}, weak, KeyStatus::weak, "1024-bit"},
        Case{"not a key record",
             dns::Status::answer,
             {"hello world"},
             rsa,
             KeyStatus::malformed,
             "not a DKIM key record"},
        Case{"bad base64", dns::Status::answer, {"v=DKIM1; p=MIIB!!"}, rsa, KeyStatus::malformed, "base64"},
        Case{"two records",
             dns::Status::answer,
             {"v=DKIM1; p=" + p(rsa()), "v=DKIM1; p=" + p(rsa())},
             rsa,
             KeyStatus::malformed,
             "2 DKIM key records"},
        Case{"email excluded",
             dns::Status::answer,
             {"v=DKIM1; s=web; p=" + p(rsa())},
             rsa,
             KeyStatus::malformed,
             "s="},
        Case{"sha1 only",
             dns::Status::answer,
             {"v=DKIM1; h=sha1; p=" + p(rsa())},
             rsa,
             KeyStatus::malformed,
             "h="},
        Case{"p not rsa",
             dns::Status::answer,
             {"v=DKIM1; p=aGVsbG8="},
             rsa,
             KeyStatus::malformed,
             "not a valid"},
        Case{"ed25519 record, rsa key",
             dns::Status::answer,
             {"v=DKIM1; k=ed25519; p=" + p(ed())},
             rsa,
             KeyStatus::wrong_key_type,
             "k=ed25519"},
        Case{"rsa record, ed25519 key",
             dns::Status::answer,
             {"v=DKIM1; p=" + p(rsa())},
             ed,
             KeyStatus::wrong_key_type,
             "k=rsa"}),
    [](const auto& info) {
      std::string name;
      for (char ch : std::string(info.param.label))
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

TEST(CheckKey, Severity) {
  EXPECT_EQ(severity(KeyStatus::ok), Severity::pass);
  EXPECT_EQ(severity(KeyStatus::testing), Severity::warn);
  EXPECT_EQ(severity(KeyStatus::weak), Severity::warn);
  EXPECT_EQ(severity(KeyStatus::temporary), Severity::temporary);
  for (auto s : {KeyStatus::missing, KeyStatus::mismatch, KeyStatus::revoked, KeyStatus::too_short,
                 KeyStatus::malformed, KeyStatus::wrong_key_type, KeyStatus::bad_key_file})
    EXPECT_EQ(severity(s), Severity::fail) << to_string(s);
}

TEST(CheckKey, ThroughTheResolverAndTheKeyFile) {
  relay::test::TempDir dir;
  auto path = relay::test::private_dkim_key(dir, "rsa2048");
  auto key = PrivateKey::load(path);
  ASSERT_TRUE(key.ok());
  dns::MemoryResolver resolver;
  resolver.add_txt("s1._domainkey.example.com", key_record_text(*key));
  auto run = [&](std::filesystem::path file) {
    asio::io_context io;
    std::string domain = "example.com";
    std::string selector = "s1";
    auto future = asio::co_spawn(io, check_key(resolver, domain, selector, file), asio::use_future);
    io.run();
    return future.get();
  };
  auto ok = run(path);
  EXPECT_EQ(ok.status, KeyStatus::ok) << ok.detail;
  EXPECT_EQ(ok.record, key_record_text(*key));
  EXPECT_EQ(ok.algorithm, "rsa-sha256");
  EXPECT_EQ(ok.bits, 2048);
  auto unsafe = relay::test::private_dkim_key(dir, "ed25519");
  std::filesystem::permissions(unsafe, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  auto refused = run(unsafe);
  EXPECT_EQ(refused.status, KeyStatus::bad_key_file);
  EXPECT_NE(refused.detail.find("chmod 600"), std::string::npos) << refused.detail;
}

}  // namespace
}  // namespace dkim
