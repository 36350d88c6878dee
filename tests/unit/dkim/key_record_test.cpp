// Key record parsing (RFC 6376 §3.6.1, RFC 8463), table-driven: tags, defaults, revocation, errors.
#include "dkim/key_record.hpp"

#include <gtest/gtest.h>

#include "dkim/keys.hpp"

namespace dkim {
namespace {

const std::string kRsaP =  // a 1024-bit key's SubjectPublicKeyInfo
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/"
    "zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5i"
    "jSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/"
    "NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB";

struct Case {
  const char* label;
  std::string text;
  bool ok;
  std::string key_type = "rsa";
  bool revoked = false;
  bool testing = false;
  bool strict = false;
  bool for_email = true;
  bool sha256 = true;
  std::string error = "";
};

class KeyRecordTable : public ::testing::TestWithParam<Case> {};

TEST_P(KeyRecordTable, Parses) {
  const Case& c = GetParam();
  auto record = parse_key_record(c.text);
  ASSERT_EQ(record.ok(), c.ok) << c.label << ": " << (record.ok() ? "" : record.error());
  if (!c.ok) {
    EXPECT_NE(record.error().find(c.error), std::string::npos) << record.error();
    return;
  }
  EXPECT_EQ(record->key_type, c.key_type);
  EXPECT_EQ(record->revoked(), c.revoked);
  EXPECT_EQ(record->testing, c.testing);
  EXPECT_EQ(record->strict, c.strict);
  EXPECT_EQ(record->for_email(), c.for_email);
  EXPECT_EQ(record->allows_sha256(), c.sha256);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc6376, KeyRecordTable,
    ::testing::Values(
        Case{"minimal", "v=DKIM1; p=" + kRsaP, true}, Case{"no version", "k=rsa; p=" + kRsaP, true},
        Case{"trailing semicolon and spaces", " v=DKIM1 ;  k = rsa ; p=" + kRsaP + " ; ", true},
        Case{"p folded with spaces", "v=DKIM1; p=" + kRsaP.substr(0, 40) + " \t " + kRsaP.substr(40), true},
        Case{"ed25519", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", true,
             "ed25519"},
        Case{"key type case-insensitive", "v=DKIM1; k=RSA; p=" + kRsaP, true},
        Case{"revoked", "v=DKIM1; k=rsa; p=", true, "rsa", true},
        Case{"revoked with spaces", "v=DKIM1; p= ", true, "rsa", true},
        Case{"testing", "v=DKIM1; t=y; p=" + kRsaP, true, "rsa", false, true},
        Case{"testing and strict", "v=DKIM1; t=y:s; p=" + kRsaP, true, "rsa", false, true, true},
        Case{"unknown flag ignored", "v=DKIM1; t=x:s; p=" + kRsaP, true, "rsa", false, false, true},
        Case{"unknown tags ignored", "v=DKIM1; n=notes here; zz=1; q=dns; p=" + kRsaP, true},
        Case{"service email", "v=DKIM1; s=email; p=" + kRsaP, true},
        Case{"service other", "v=DKIM1; s=web; p=" + kRsaP, true, "rsa", false, false, false, false},
        Case{"service list", "v=DKIM1; s=web:email; p=" + kRsaP, true},
        Case{"hash sha1 only", "v=DKIM1; h=sha1; p=" + kRsaP, true, "rsa", false, false, false, true, false},
        Case{"hash list", "v=DKIM1; h=sha1:sha256; p=" + kRsaP, true},
        Case{"unknown key type kept", "v=DKIM1; k=dsa; p=" + kRsaP, true, "dsa"},
        Case{"no p", "v=DKIM1; k=rsa", false, "", false, false, false, true, true, "no p="},
        Case{"version not first", "k=rsa; v=DKIM1; p=" + kRsaP, false, "", false, false, false, true, true,
             "first"},
        Case{"wrong version", "v=DKIM2; p=" + kRsaP, false, "", false, false, false, true, true, "not DKIM1"},
        Case{"bad base64", "v=DKIM1; p=MIIB!!", false, "", false, false, false, true, true, "base64"},
        Case{"duplicate tag", "v=DKIM1; p=" + kRsaP + "; p=" + kRsaP, false, "", false, false, false, true,
             true, "twice"},
        Case{"no equals", "v=DKIM1; hello; p=" + kRsaP, false, "", false, false, false, true, true,
             "not tag=value"},
        Case{"bad tag name", "v=DKIM1; 1x=2; p=" + kRsaP, false, "", false, false, false, true, true,
             "tag name"},
        Case{"not a key record", "hello world", false, "", false, false, false, true, true, "syntax"}),
    [](const auto& info) {
      std::string name;
      for (char ch : std::string(info.param.label))
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

TEST(KeyRecord, PublicKeyBits) {
  auto rsa = parse_key_record("v=DKIM1; p=" + kRsaP);
  ASSERT_TRUE(rsa.ok());
  EXPECT_EQ(public_key_bits(*rsa), 1024);
  auto ed = parse_key_record("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  ASSERT_TRUE(ed.ok());
  EXPECT_EQ(public_key_bits(*ed), 256);
  auto rsa_as_ed = parse_key_record("v=DKIM1; k=ed25519; p=" + kRsaP);
  ASSERT_TRUE(rsa_as_ed.ok());
  EXPECT_EQ(public_key_bits(*rsa_as_ed), std::nullopt);
  auto garbage = parse_key_record("v=DKIM1; p=aGVsbG8=");
  ASSERT_TRUE(garbage.ok());
  EXPECT_EQ(public_key_bits(*garbage), std::nullopt);
}

TEST(Base64, RoundTripAndRejects) {
  for (std::string text : {"", "a", "ab", "abc", "abcd", "\x01\xff\x80 binary"})
    EXPECT_EQ(base64_decode(base64_encode(text)), text);
  EXPECT_EQ(base64_decode("aGVs bG8=\r\n"), "hello");
  EXPECT_EQ(base64_decode("aGVsbG8"), std::nullopt);
  EXPECT_EQ(base64_decode("aG=sbG8="), std::nullopt);
  EXPECT_EQ(base64_decode("aGVs*G8="), std::nullopt);
}

TEST(TxtStrings, SplitAt255Octets) {
  std::string record(600, 'x');
  auto parts = split_txt_strings(record);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].size(), 255u);
  EXPECT_EQ(parts[1].size(), 255u);
  EXPECT_EQ(parts[2].size(), 90u);
  EXPECT_EQ(split_txt_strings("short").size(), 1u);
  auto line = zone_file_record("Example.com", "s1", record);
  EXPECT_TRUE(line.starts_with("s1._domainkey.Example.com. 3600 IN TXT ( \"")) << line;
  EXPECT_TRUE(line.ends_with("\" )")) << line;
}

}  // namespace
}  // namespace dkim
