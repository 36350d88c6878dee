// AUTH users: scrypt hashes, the SQLite store (add, replace, remove, authenticate, the verified-password
// cache and its invalidation), sender and From-domain rules, and the per-address failure limiter.
#include <gtest/gtest.h>

#include "mta/auth/auth_rate_limiter.hpp"
#include "mta/auth/password_hash.hpp"
#include "mta/auth/user_store.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using namespace mta::auth;

const ScryptParams kFast{10, 8, 1};  // tests only: cheap parameters

TEST(PasswordHash, VerifiesOnlyTheRightPassword) {
  auto hash = hash_password("correct horse", kFast);
  EXPECT_TRUE(hash.starts_with("$scrypt$ln=10,r=8,p=1$"));
  EXPECT_TRUE(verify_password("correct horse", hash));
  EXPECT_FALSE(verify_password("correct horsE", hash));
  EXPECT_FALSE(verify_password("", hash));
  EXPECT_NE(hash_password("correct horse", kFast), hash);  // salted
}

TEST(PasswordHash, MalformedStoredHashesNeverVerify) {
  for (std::string bad : {"", "plain", "$scrypt$ln=10,r=8,p=1$", "$scrypt$ln=99,r=8,p=1$AAAA$AAAA",
                          "$scrypt$ln=10,r=8$c2FsdA==$aGFzaA==", "$scrypt$ln=10,r=8,p=1$!!$!!"})
    EXPECT_FALSE(verify_password("x", bad)) << bad;
}

TEST(UserStore, AddAuthenticateReplaceRemove) {
  relay::test::TempDir dir;
  std::string error;
  auto store = UserStore::open(dir.path() / "users.db", error);
  ASSERT_TRUE(store) << error;
  ASSERT_TRUE(store->add({"alice", {"@example.com"}}, hash_password("pw1", kFast), false, error)) << error;
  EXPECT_FALSE(store->add({"alice", {"*"}}, hash_password("x", kFast), false, error));
  EXPECT_NE(error.find("already exists"), std::string::npos);

  auto user = store->authenticate("alice", "pw1");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->allowed_senders, std::vector<std::string>{"@example.com"});
  EXPECT_TRUE(store->authenticate("alice", "pw1"));   // the cached path
  EXPECT_FALSE(store->authenticate("alice", "pw2"));  // a cached success does not admit another password
  EXPECT_FALSE(store->authenticate("bob", "pw1"));

  // A new password invalidates the remembered one.
  ASSERT_TRUE(store->add({"alice", {"*"}}, hash_password("pw2", kFast), true, error)) << error;
  EXPECT_FALSE(store->authenticate("alice", "pw1"));
  EXPECT_TRUE(store->authenticate("alice", "pw2"));
  ASSERT_TRUE(store->remove("alice", error));
  EXPECT_FALSE(store->authenticate("alice", "pw2"));
  EXPECT_FALSE(store->remove("alice", error));
  EXPECT_TRUE(store->list(error).empty());
}

struct SenderCase {
  std::vector<std::string> allowed;
  std::string address;
  bool sender_ok;
  bool from_domain_ok;
};

class SenderRules : public ::testing::TestWithParam<SenderCase> {};
TEST_P(SenderRules, Table) {
  const auto& c = GetParam();
  User user{"u", c.allowed};
  EXPECT_EQ(sender_allowed(user, c.address), c.sender_ok) << c.address;
  EXPECT_EQ(from_domain_allowed(user, c.address.substr(c.address.rfind('@') + 1)), c.from_domain_ok)
      << c.address;
}
INSTANTIATE_TEST_SUITE_P(Table, SenderRules,
                         ::testing::Values(SenderCase{{"@example.com"}, "anyone@example.com", true, true},
                                           SenderCase{{"@example.com"}, "anyone@EXAMPLE.com", true, true},
                                           SenderCase{{"@example.com"}, "x@sub.example.com", false, false},
                                           SenderCase{{"ceo@corp.test"}, "ceo@corp.test", true, true},
                                           SenderCase{{"ceo@corp.test"}, "cfo@corp.test", false, true},
                                           SenderCase{{"*"}, "whoever@wherever.test", true, true},
                                           SenderCase{{}, "a@example.com", false, false}));

TEST(AuthRateLimiter, BlocksWithinTheWindowOnly) {
  AuthRateLimiter limiter(2, std::chrono::seconds(60));
  auto t0 = AuthRateLimiter::Clock::now();
  EXPECT_FALSE(limiter.blocked("192.0.2.1", t0));
  limiter.record_failure("192.0.2.1", t0);
  EXPECT_FALSE(limiter.blocked("192.0.2.1", t0));
  limiter.record_failure("192.0.2.1", t0 + std::chrono::seconds(1));
  EXPECT_TRUE(limiter.blocked("192.0.2.1", t0 + std::chrono::seconds(2)));
  EXPECT_FALSE(limiter.blocked("192.0.2.2", t0 + std::chrono::seconds(2)));
  EXPECT_FALSE(limiter.blocked("192.0.2.1", t0 + std::chrono::seconds(61)));
}

}  // namespace
