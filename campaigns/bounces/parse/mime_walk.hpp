// mime_walk.hpp — a bounded walk over a message's MIME tree with GMime: the top-level header, and a flat
// list of the leaf parts (type, depth, decoded content) and of the embedded messages (message/rfc822)
// with their header fields. Limits: input size (longer input is cut and noted), the number of
// Content-Type fields handed to GMime (a nesting bomb is cut before GMime recurses into it), MIME depth,
// parts walked and decoded bytes kept. Errors: limits reached and unparsable input are noted in
// problems; nothing throws. Untrusted input: the whole message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "campaigns/bounces/parse/fields.hpp"

namespace campaigns {

struct MimeLimits {
  std::size_t max_message_bytes = 10 * 1024 * 1024;
  std::size_t max_depth = 8;
  std::size_t max_parts = 100;
  std::size_t max_part_bytes = 1024 * 1024;       // decoded content kept of each leaf
  std::size_t max_total_bytes = 4 * 1024 * 1024;  // decoded content kept of all leaves
  std::size_t max_header_fields = 200;
  std::size_t max_field_length = 1000;
};

struct MimeLeaf {
  std::string type;          // "text/plain", lower case
  std::size_t depth = 0;     // 0: the message body itself
  bool in_embedded = false;  // inside a message/rfc822 part (the returned original)
  std::string content;       // decoded (transfer encoding removed), capped
};

struct EmbeddedMessage {
  std::size_t depth = 0;
  bool in_embedded = false;  // an embedded message inside another one
  std::vector<HeaderField> header;
};

struct MimeWalk {
  std::vector<HeaderField> header;  // the top-level header, unfolded and capped
  std::string type;                 // top-level content type, lower case
  std::string report_type;          // its report-type parameter, lower case
  std::string subject;              // RFC 2047 decoded
  std::vector<MimeLeaf> leaves;
  std::vector<EmbeddedMessage> embedded;
  std::size_t parts = 0;
  bool truncated = false;  // input cut at max_message_bytes or at the Content-Type limit
  std::vector<std::string> problems;
};

MimeWalk walk_mime(std::string_view message, const MimeLimits& limits);

}  // namespace campaigns
