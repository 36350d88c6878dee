// unsubscribe_page.hpp — what the one-click unsubscribe endpoint answers (RFC 8058), without sockets: a
// POST carrying List-Unsubscribe=One-Click and a valid token suppresses the recipient (200, idempotent);
// a GET with a valid token only shows a confirmation page whose button POSTs (link scanners fetch URLs,
// and must not unsubscribe anyone); a missing, altered or forged token is 400, a token naming nobody we
// know 404, a database failure 503. Every outcome is a UnsubscribeResult for the metrics.
// Untrusted input: the method, the token and the form field, from the HTTP request; everything echoed
// into HTML is escaped (html_escape).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "campaigns/daemon/unsubscribe_tokens.hpp"
#include "mta/server/metrics.hpp"

namespace campaigns {

struct UnsubscribeRequest {
  std::string method;                // "GET", "POST", ...
  std::optional<std::string> token;  // the t parameter
  bool one_click = false;            // the body carried List-Unsubscribe=One-Click
};

struct UnsubscribeResponse {
  int status = 200;
  std::string html;
  mta::server::UnsubscribeResult result = mta::server::UnsubscribeResult::bad_request;
};

UnsubscribeResponse respond(const UnsubscribeRequest& request, UnsubscribeTokens& tokens);

std::string html_escape(std::string_view text);

}  // namespace campaigns
