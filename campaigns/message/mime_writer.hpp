// mime_writer.hpp — the pieces of a campaign message's MIME text, written straight into a string (no
// GMime object tree): unstructured header fields folded at spaces within 78 columns, RFC 2047 words and phrases and
// the transfer encodings through GMime's own encoders (g_mime_utils_header_encode_*, GMimeEncoding),
// and the choice of 7bit, quoted-printable or base64 for a body. Output lines end in CRLF. No errors:
// any bytes are encoded. Call init() once before the rest (it runs g_mime_init). Untrusted input:
// header values and bodies rendered from recipients' cells.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace campaigns::mime {

void init();  // thread-safe, once per process

inline constexpr std::size_t kFoldColumn = 78;  // RFC 5322 §2.1.1 "SHOULD"

// Every multipart boundary starts with this; choose_encoding() keeps it out of every encoded part.
inline constexpr std::string_view kBoundaryPrefix = "=_";

// Appends the unstructured field "name: value" CRLF (a Subject: quotes are text), folded before a space
// where the line would pass 78 columns. A single longer token stays whole (encode_text's words are short).
void append_header(std::string& out, std::string_view name, std::string_view value);

// RFC 2047 for unstructured text such as a Subject (UTF-8 in, ASCII out); fold with append_header.
std::string encode_text(std::string_view utf8);

// Appends "name: phrase rest" CRLF, the phrase (a display name, List-Id's description) encoded or quoted
// as it needs, or "name: rest" without one; rest is "<address>", or an address alone without a phrase.
// The line folds only before rest: GMime's parser keeps a fold inside a phrase in the name it returns.
void append_phrase_header(std::string& out, std::string_view name, std::string_view phrase,
                          std::string_view rest);

enum class TransferEncoding { seven_bit, quoted_printable, base64 };
std::string_view to_string(TransferEncoding encoding);  // as Content-Transfer-Encoding writes it

// 7bit when every line is ASCII without NUL or a lone CR and at most 998 octets, else base64 for NULs or
// mostly 8-bit text (GMime's rule), else quoted-printable. A body that would be 7bit but contains "=_"
// is quoted-printable: then no encoded part contains "=_" (quoted-printable writes '=' only before two
// hex digits or a line end, base64 writes no '_'), so no line of a part can be a boundary delimiter
// "--=_...", whatever the recipient's cells put in the body.
TransferEncoding choose_encoding(std::string_view body);

// Appends body in encoding with CRLF line ends; reuses its buffers from message to message.
class BodyEncoder {
 public:
  void append(std::string& out, std::string_view body, TransferEncoding encoding);

 private:
  std::string canonical_;
  std::vector<char> encoded_;
};

}  // namespace campaigns::mime
