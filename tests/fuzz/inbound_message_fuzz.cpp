// inbound_message_fuzz.cpp — fuzzes what the inbound chain reads from outsiders and edits before forwarding:
// any bytes as a message through the header-field walker and its edits (mta/inbound/message_fields), the
// spam edits (mta/inbound/scan/spam_verdict: forged X-Spam removal, X-Spam fields, the Subject tag), every
// field's value through the RFC 8601 Authentication-Results reader (mta/inbound/auth/authentication_results),
// and the bytes as a clamd reply (parse_instream_reply). Invariants: fields lie inside the message, in order;
// removing nothing changes nothing; an edit never loses the body; a parsed A-R field prints back parseable.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mta/config/inbound.hpp"
#include "mta/inbound/auth/authentication_results.hpp"
#include "mta/inbound/message_fields.hpp"
#include "mta/inbound/scan/clamd_client.hpp"
#include "mta/inbound/scan/spam_verdict.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view message(reinterpret_cast<const char*>(data), size);
  using namespace mta::inbound;

  std::size_t previous_end = 0;
  for (const auto& field : header_fields(message)) {
    if (field.begin < previous_end || field.end < field.begin || field.end > message.size()) __builtin_trap();
    previous_end = field.end;
    std::string_view text = message.substr(field.begin, field.end - field.begin);
    auto colon = text.find(':');
    if (colon != std::string_view::npos) {
      auto parsed = auth::parse(text.substr(colon + 1));
      if (parsed) {  // what we print of it (folded, CRLF-ended) reads back
        std::string printed = auth::format(*parsed);
        std::string value = printed.substr(printed.find(':') + 1);
        if (value.size() < 2 || !value.ends_with("\r\n")) __builtin_trap();
        value.resize(value.size() - 2);
        if (!auth::parse(value)) __builtin_trap();
      }
      auth::parse_authserv_id(text.substr(colon + 1));
    }
  }
  if (remove_fields(message, [](const HeaderField&) { return false; }) != message) __builtin_trap();
  // What follows the header section (the blank line and the body) survives every edit unchanged.
  std::string_view rest = message.substr(previous_end);

  std::string edited = strip_earlier_received(message);
  insert_after_first_received(edited, "Authentication-Results: mx.test; none\r\n");
  if (!std::string_view(edited).ends_with(rest)) __builtin_trap();

  mta::config::SpamPolicy policy;
  policy.high.action = mta::config::SpamAction::tag;
  std::string scanned = scan::mark_scanned(message, policy, 20.0);
  if (!rest.empty() && !std::string_view(scanned).ends_with(rest.substr(rest.find('\n') + 1))) __builtin_trap();
  scan::mark_unscanned(message);
  scan::remove_spam_headers(message);
  scan::tag_subject(message, "[SPAM] ");

  auto reply = scan::parse_instream_reply(message);
  if (reply.status == scan::VirusScan::Status::infected && reply.signature.empty()) __builtin_trap();
  return 0;
}
