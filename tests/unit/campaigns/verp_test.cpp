// Authenticated VERP tokens: ids and bounce addresses, encoding, and decoding every kind of address —
// good tokens (any letter case), altered campaign, recipient or MAC, the wrong secret, other addresses,
// overlong and garbage input — into not_a_token, forged or valid.
#include "campaigns/tokens/verp.hpp"

#include <gtest/gtest.h>

namespace campaigns {
namespace {

const TokenSecret kSecret = TokenSecret::from_bytes("0123456789abcdef0123456789abcdef-test-secret");
const BounceAddress kBounce = *BounceAddress::parse("bounces@Bounce.Example.COM");

CampaignId campaign(std::string_view id) {
  return *CampaignId::parse(id);
}

RecipientId recipient(std::string_view id) {
  return *RecipientId::parse(id);
}

std::string address(std::string_view c, std::string_view r) {
  return verp_address(kSecret, kBounce, campaign(c), recipient(r));
}

std::string upper(std::string text) {
  for (char& ch : text)
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  return text;
}

// The address with the character at position at (counted from the '+') replaced.
std::string altered(std::string text, std::size_t at, char with) {
  text[text.find('+') + 1 + at] = with;
  return text;
}

TEST(TokenIds, Syntax) {
  for (const char* good : {"a", "spring-24", "x_1", "0", "abcdefghijklmnopqrst"})
    EXPECT_TRUE(CampaignId::parse(good)) << good;
  for (const char* bad : {"", "Spring", "a.b", "a+b", "-a", "_a", "a b", "abcdefghijklmnopqrstu", "é"})
    EXPECT_FALSE(CampaignId::parse(bad)) << bad;
  for (const char* good : {"4711", "3w5e11264sgsf", "r-1"})
    EXPECT_TRUE(RecipientId::parse(good)) << good;
  for (const char* bad : {"", "12345678901234", "A1", "1.2", "x@y"})
    EXPECT_FALSE(RecipientId::parse(bad)) << bad;
}

TEST(BounceAddress, Syntax) {
  auto parsed = BounceAddress::parse("Bounces@Bounce.Example.COM.");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->local, "Bounces");
  EXPECT_EQ(parsed->domain, "bounce.example.com");
  for (const char* bad : {"bounces", "@x.test", "b+x@x.test", "b@", "b@bad_domain", "a..b@x.test",
                          ".b@x.test", "seventeen-chars-x@x.test", "b c@x.test"})
    EXPECT_FALSE(BounceAddress::parse(bad)) << bad;
}

TEST(Token, HasTheDocumentedShape) {
  std::string token = make_token(kSecret, campaign("spring-24"), recipient("4711"));
  ASSERT_EQ(token.size(), std::string("spring-24.4711.").size() + kTokenMacLength);
  EXPECT_EQ(token.substr(0, 15), "spring-24.4711.");
  EXPECT_EQ(token.substr(15).find_first_not_of("abcdefghijklmnopqrstuvwxyz234567"), std::string::npos);
  EXPECT_EQ(address("spring-24", "4711"), "bounces+" + token + "@bounce.example.com");
  EXPECT_NE(make_token(kSecret, campaign("spring-24"), recipient("4712")), token);
  EXPECT_EQ(make_token(kSecret, campaign("spring-24"), recipient("4711")), token);  // deterministic
}

// Computed independently (Python's hmac); tokens in flight must keep verifying, so the format never drifts.
TEST(Token, KnownAnswer) {
  EXPECT_EQ(make_token(kSecret, campaign("spring-24"), recipient("4711")), "spring-24.4711.oi2snn7cc37c");
}

TEST(Token, TheLongestReturnPathFitsALocalPart) {
  auto bounce = *BounceAddress::parse(std::string(kMaxBounceLocal, 'b') + "@x.test");
  std::string longest = verp_address(kSecret, bounce, campaign(std::string(kMaxCampaignId, 'c')),
                                     recipient(std::string(kMaxRecipientId, '9')));
  EXPECT_EQ(longest.find('@'), 64u);
  EXPECT_EQ(decode_verp(kSecret, bounce, longest).status, TokenStatus::valid);
}

struct Case {
  std::string label;
  std::string address;
  TokenStatus expected;
};

std::string good() {
  return address("spring-24", "4711");
}

const TokenSecret kOtherSecret = TokenSecret::from_bytes("another secret, just as long as the first one");

std::vector<Case> cases() {
  std::string g = good();
  std::string token = g.substr(8, g.find('@') - 8);
  std::string mac = token.substr(token.rfind('.') + 1);
  return {
      {"good", g, TokenStatus::valid},
      {"domain_case", "bounces+" + token + "@BOUNCE.example.Com", TokenStatus::valid},
      {"domain_trailing_dot", "bounces+" + token + "@bounce.example.com.", TokenStatus::valid},
      {"local_upper_case", upper("bounces+" + token) + "@bounce.example.com", TokenStatus::valid},
      {"altered_campaign", altered(g, 0, 't'), TokenStatus::forged},
      {"altered_recipient", altered(g, 10, '5'), TokenStatus::forged},
      {"altered_mac", altered(g, token.size() - 1, mac.back() == 'a' ? 'b' : 'a'), TokenStatus::forged},
      {"swapped_recipient", "bounces+spring-24.4712." + mac + "@bounce.example.com", TokenStatus::forged},
      {"wrong_secret", verp_address(kOtherSecret, kBounce, campaign("spring-24"), recipient("4711")),
       TokenStatus::forged},
      {"mac_too_short", "bounces+spring-24.4711." + mac.substr(1) + "@bounce.example.com",
       TokenStatus::forged},
      {"mac_too_long", "bounces+spring-24.4711." + mac + "a@bounce.example.com", TokenStatus::forged},
      {"mac_not_base32", "bounces+spring-24.4711." + mac.substr(1) + "1@bounce.example.com",
       TokenStatus::forged},
      {"two_parts", "bounces+spring-24." + mac + "@bounce.example.com", TokenStatus::forged},
      {"four_parts", "bounces+spring-24.4711.x." + mac + "@bounce.example.com", TokenStatus::forged},
      {"empty_campaign", "bounces+.4711." + mac + "@bounce.example.com", TokenStatus::forged},
      {"garbage_token", "bounces+garbage@bounce.example.com", TokenStatus::forged},
      {"overlong", "bounces+" + std::string(5000, 'a') + "." + token + "@bounce.example.com",
       TokenStatus::forged},
      {"nul_in_token", "bounces+spring-24.4711" + std::string(1, '\0') + mac + "@bounce.example.com",
       TokenStatus::forged},
      {"plain_bounce_address", "bounces@bounce.example.com", TokenStatus::not_a_token},
      {"empty_token", "bounces+@bounce.example.com", TokenStatus::not_a_token},
      {"other_domain", "bounces+" + token + "@example.com", TokenStatus::not_a_token},
      {"subdomain", "bounces+" + token + "@x.bounce.example.com", TokenStatus::not_a_token},
      {"other_local", "postmaster+" + token + "@bounce.example.com", TokenStatus::not_a_token},
      {"longer_local", "bouncesx+" + token + "@bounce.example.com", TokenStatus::not_a_token},
      {"old_plain_verp", "bounces+jane=example.org@bounce.example.com", TokenStatus::forged},
      {"no_at", "bounces+" + token, TokenStatus::not_a_token},
      {"empty", "", TokenStatus::not_a_token},
      {"garbage", "\xff\xfe@@\x01", TokenStatus::not_a_token},
  };
}

class DecodeVerp : public ::testing::TestWithParam<Case> {};

TEST_P(DecodeVerp, Classifies) {
  auto check = decode_verp(kSecret, kBounce, GetParam().address);
  EXPECT_EQ(check.status, GetParam().expected);
  EXPECT_EQ(check.ids.has_value(), GetParam().expected == TokenStatus::valid);
  if (check.ids) {
    EXPECT_EQ(check.ids->campaign.str(), "spring-24");
    EXPECT_EQ(check.ids->recipient.str(), "4711");
  }
}

INSTANTIATE_TEST_SUITE_P(Addresses, DecodeVerp, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return info.param.label; });

TEST(CheckToken, VerifiesTheTokenOfAnUnsubscribeUrl) {
  std::string token = make_token(kSecret, campaign("news"), recipient("42"));
  auto check = check_token(kSecret, token);
  ASSERT_EQ(check.status, TokenStatus::valid);
  EXPECT_EQ(check.ids->campaign.str(), "news");
  EXPECT_EQ(check.ids->recipient.str(), "42");
  EXPECT_EQ(check_token(kSecret, upper(token)).status, TokenStatus::valid);
  EXPECT_EQ(check_token(kOtherSecret, token).status, TokenStatus::forged);
  for (const char* bad : {"", ".", "..", "news.42", "news.42.", "news.43.aaaaaaaaaaaa", "/etc/passwd"})
    EXPECT_EQ(check_token(kSecret, bad).status, TokenStatus::forged) << bad;
}

}  // namespace
}  // namespace campaigns
