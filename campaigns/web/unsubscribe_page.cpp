#include "campaigns/web/unsubscribe_page.hpp"

namespace campaigns {
namespace {

using mta::server::UnsubscribeResult;

std::string page(std::string_view title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width\"><meta name=\"robots\" content=\"noindex\">"
         "<title>" +
         html_escape(title) + "</title></head>\n<body><h1>" + html_escape(title) + "</h1>\n" + body +
         "</body></html>\n";
}

UnsubscribeResponse answer(int status, UnsubscribeResult result, std::string_view title,
                           std::string_view text) {
  return {status, page(title, "<p>" + html_escape(text) + "</p>\n"), result};
}

UnsubscribeResponse bad_token() {
  return answer(400, UnsubscribeResult::bad_token, "Invalid unsubscribe link",
                "This unsubscribe link is incomplete or was altered. Use the link exactly as it appears in "
                "the message, or reply to the message's unsubscribe address.");
}

UnsubscribeResponse unknown_recipient() {
  return answer(404, UnsubscribeResult::unknown_recipient, "Unknown subscription",
                "This link does not name a subscription we know; nothing was changed.");
}

UnsubscribeResponse failed() {
  return answer(503, UnsubscribeResult::failed, "Please try again",
                "Your request could not be recorded just now; please try again in a few minutes.");
}

UnsubscribeResponse confirmation(const std::string& token, const TokenRecipient& recipient) {
  std::string form = "<p>Unsubscribe <strong>" + html_escape(recipient.address) +
                     "</strong> from these messages?</p>\n" +
                     "<form method=\"post\" action=\"?t=" + html_escape(token) +
                     "\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
                     "<button type=\"submit\">Unsubscribe</button></form>\n";
  return {200, page("Unsubscribe", form), UnsubscribeResult::confirmation};
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

UnsubscribeResponse respond(const UnsubscribeRequest& request, UnsubscribeTokens& tokens) {
  bool get = request.method == "GET" || request.method == "HEAD";
  if (!get && request.method != "POST")
    return answer(405, UnsubscribeResult::bad_request, "Method not allowed",
                  "Open the unsubscribe link in a browser.");
  if (!request.token || request.token->empty()) return bad_token();
  if (get) {
    auto found = tokens.find(*request.token);
    switch (found.status) {
      case TokenLookup::valid:
        return confirmation(*request.token, found);
      case TokenLookup::bad_token:
        return bad_token();
      case TokenLookup::unknown_recipient:
        return unknown_recipient();
      case TokenLookup::failed:
        return failed();
    }
  }
  if (!request.one_click)
    return answer(400, UnsubscribeResult::bad_request, "Incomplete request",
                  "An unsubscribe request must carry List-Unsubscribe=One-Click (RFC 8058).");
  switch (tokens.unsubscribe(*request.token)) {
    case UnsubscribeOutcome::unsubscribed:
      return answer(200, UnsubscribeResult::unsubscribed, "Unsubscribed",
                    "You are unsubscribed and will not get these messages any more.");
    case UnsubscribeOutcome::already_unsubscribed:
      return answer(200, UnsubscribeResult::already_unsubscribed, "Unsubscribed",
                    "You were already unsubscribed; nothing more to do.");
    case UnsubscribeOutcome::bad_token:
      return bad_token();
    case UnsubscribeOutcome::unknown_recipient:
      return unknown_recipient();
    case UnsubscribeOutcome::failed:
      break;
  }
  return failed();
}

}  // namespace campaigns
