#include "campaigns/verp.hpp"

#include <gtest/gtest.h>

namespace campaigns {
namespace {

TEST(Verp, EncodesTheRecipientIntoTheReturnPath) {
  EXPECT_EQ(verp_encode("bounces", "bounce.example.com", "jane@example.org"),
            "bounces+jane=example.org@bounce.example.com");
  EXPECT_EQ(verp_encode("b", "x.test", "a=b@c.test"), "b+a=b=c.test@x.test");
}

TEST(Verp, RefusesAddressesWithoutOneAt) {
  for (const char* bad : {"jane", "@example.org", "jane@", "a@b@c.test"})
    EXPECT_FALSE(verp_encode("b", "x.test", bad)) << bad;
}

TEST(Verp, DecodesWhatItEncoded) {
  for (const char* recipient : {"jane@example.org", "a=b@c.test", "first.last+tag@sub.example.co.uk"}) {
    auto encoded = verp_encode("bounces", "bounce.example.com", recipient);
    ASSERT_TRUE(encoded);
    EXPECT_EQ(verp_decode("bounces", "Bounce.Example.COM", *encoded), recipient);
  }
}

TEST(Verp, RejectsAddressesThatAreNotOurs) {
  for (const char* bad :
       {"bounces@bounce.example.com", "bounces+jane=example.org@other.test",
        "other+jane=example.org@bounce.example.com", "bounces+jane@bounce.example.com",
        "bounces+=example.org@bounce.example.com", "bounces+jane=@bounce.example.com",
        "bounces+jane=bad_domain@bounce.example.com", "bouncesx+jane=example.org@bounce.example.com"})
    EXPECT_FALSE(verp_decode("bounces", "bounce.example.com", bad)) << bad;
}

}  // namespace
}  // namespace campaigns
