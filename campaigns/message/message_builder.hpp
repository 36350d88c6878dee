// message_builder.hpp — one campaign message per recipient, its MIME text written by campaigns/message/mime_writer
// with GMime's encoders: text and/or HTML parts (multipart/alternative when both), UTF-8,
// quoted-printable or base64 as the content needs, RFC 2047 headers, Date, Message-ID under the sender's
// domain, List-Unsubscribe (+ RFC 8058 Post), List-Id, Feedback-ID, and the VERP return path signed with
// the campaign token. Templates were parsed once (the campaign); what is the same for every recipient is
// formatted once. Errors: a row a template cannot render (a required field it lacks) gives a problem,
// never an exception. Untrusted input: the recipient's cells.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "campaigns/campaign/campaign_file.hpp"
#include "campaigns/campaign/recipients.hpp"
#include "campaigns/tokens/token_secret.hpp"

namespace campaigns {

struct RenderedMessage {
  std::string problem;          // set when the recipient cannot be rendered (then nothing else is)
  std::string envelope_from;    // the VERP return path
  std::string recipient;        // the envelope recipient
  std::string message;          // CRLF line ends
  bool needs_smtputf8 = false;  // the recipient's local part is UTF-8 (RFC 6531/6532)
};

class MessageBuilder {
 public:
  MessageBuilder(const Campaign& campaign, const TokenSecret& secret, std::vector<std::string> columns);
  ~MessageBuilder();
  MessageBuilder(const MessageBuilder&) = delete;
  MessageBuilder& operator=(const MessageBuilder&) = delete;

  // Fields the templates require that are neither columns nor built-ins: every row would fail, so the
  // caller reports these once instead ("news.html uses {{first_nmae}}, ...").
  std::vector<std::string> unknown_fields() const;
  // row must be usable (no skip, an id).
  RenderedMessage build(const RecipientRow& row);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace campaigns
