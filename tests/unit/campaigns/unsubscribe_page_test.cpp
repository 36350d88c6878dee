// The one-click endpoint's answers without HTTP (campaigns/web/unsubscribe_page.hpp), over a fake token
// store: GET confirms and never unsubscribes, POST needs List-Unsubscribe=One-Click, bad tokens are 400,
// unknown recipients 404, failures 503; whatever is echoed is HTML-escaped.
#include "campaigns/web/unsubscribe_page.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace {

using namespace campaigns;
using mta::server::UnsubscribeResult;
using ::testing::HasSubstr;
using ::testing::Not;

class FakeTokens final : public UnsubscribeTokens {
 public:
  int unsubscribes = 0;
  TokenRecipient find(std::string_view token) override {
    if (token == "good") return {TokenLookup::valid, "c", "<b>\"x\"@dest.test"};
    if (token == "nobody") return {TokenLookup::unknown_recipient, "c", ""};
    if (token == "down") return {TokenLookup::failed, "", ""};
    return {TokenLookup::bad_token, "", ""};
  }
  UnsubscribeOutcome unsubscribe(std::string_view token) override {
    ++unsubscribes;
    switch (find(token).status) {
      case TokenLookup::valid:
        return unsubscribes == 1 ? UnsubscribeOutcome::unsubscribed
                                 : UnsubscribeOutcome::already_unsubscribed;
      case TokenLookup::unknown_recipient:
        return UnsubscribeOutcome::unknown_recipient;
      case TokenLookup::failed:
        return UnsubscribeOutcome::failed;
      case TokenLookup::bad_token:
        break;
    }
    return UnsubscribeOutcome::bad_token;
  }
};

struct Case {
  std::string label;
  UnsubscribeRequest request;
  int status;
  UnsubscribeResult result;
};

class Respond : public ::testing::TestWithParam<Case> {};

TEST_P(Respond, StatusAndResult) {
  const auto& c = GetParam();
  FakeTokens tokens;
  auto response = respond(c.request, tokens);
  EXPECT_EQ(response.status, c.status) << c.label;
  EXPECT_EQ(response.result, c.result) << c.label;
  if (c.request.method == "GET") {
    EXPECT_EQ(tokens.unsubscribes, 0) << c.label;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, Respond,
    ::testing::Values(
        Case{"get confirms", {"GET", "good", false}, 200, UnsubscribeResult::confirmation},
        Case{"get with one-click still only confirms",
             {"GET", "good", true},
             200,
             UnsubscribeResult::confirmation},
        Case{"post one-click", {"POST", "good", true}, 200, UnsubscribeResult::unsubscribed},
        Case{"post without field", {"POST", "good", false}, 400, UnsubscribeResult::bad_request},
        Case{"bad token", {"POST", "forged", true}, 400, UnsubscribeResult::bad_token},
        Case{"missing token", {"POST", std::nullopt, true}, 400, UnsubscribeResult::bad_token},
        Case{"empty token", {"GET", "", false}, 400, UnsubscribeResult::bad_token},
        Case{"unknown recipient", {"POST", "nobody", true}, 404, UnsubscribeResult::unknown_recipient},
        Case{"unknown recipient get", {"GET", "nobody", false}, 404, UnsubscribeResult::unknown_recipient},
        Case{"database down", {"POST", "down", true}, 503, UnsubscribeResult::failed},
        Case{"put", {"PUT", "good", true}, 405, UnsubscribeResult::bad_request}),
    [](const auto& info) {
      std::string name;
      for (char ch : info.param.label)
        name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

TEST(Respond, ConfirmationPageEscapesTheAddressAndPostsTheOneClickForm) {
  FakeTokens tokens;
  auto page = respond({"GET", "good", false}, tokens);
  EXPECT_THAT(page.html, HasSubstr("&lt;b&gt;&quot;x&quot;@dest.test"));
  EXPECT_THAT(page.html, Not(HasSubstr("<b>")));
  EXPECT_THAT(page.html, HasSubstr("action=\"?t=good\""));
  EXPECT_THAT(page.html, HasSubstr("name=\"List-Unsubscribe\" value=\"One-Click\""));
}

TEST(Respond, SecondPostIsAlreadyUnsubscribed) {
  FakeTokens tokens;
  EXPECT_EQ(respond({"POST", "good", true}, tokens).result, UnsubscribeResult::unsubscribed);
  auto again = respond({"POST", "good", true}, tokens);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.result, UnsubscribeResult::already_unsubscribed);
}

TEST(HtmlEscape, EscapesMarkupAndQuotes) {
  EXPECT_EQ(html_escape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}

}  // namespace
