// mime_writer.cpp — GMime's encoders run on plain buffers (a GMimeEncoding lives on the stack), so no
// GObject is made per message. They write LF line ends; one pass turns them into CRLF, as it does for a
// 7bit body (whose CRLF pairs are kept). Base64 encodes the canonical CRLF form of the text (RFC 2045
// §6.8); quoted-printable reads either form, since its encoder writes a line end for CRLF and for LF.
#include "campaigns/message/mime_writer.hpp"

#include <algorithm>
#include <array>
#include <gmime/gmime.h>

#include "campaigns/formats/gmime_support.hpp"
#include <mutex>

namespace campaigns::mime {
namespace {

constexpr std::size_t kMaxLine = 998;  // RFC 5322 §2.1.1, without the CRLF

void append_crlf(std::string& out, std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto lf = text.find('\n', pos);
    if (lf == std::string_view::npos) {
      out.append(text.substr(pos));
      return;
    }
    std::size_t end = lf > pos && text[lf - 1] == '\r' ? lf - 1 : lf;
    out.append(text.substr(pos, end - pos));
    out += "\r\n";
    pos = lf + 1;
  }
}

std::string taken(char* gmime_string) {
  std::string out = gmime_string ? gmime_string : "";
  g_free(gmime_string);
  return out;
}

// GMime passes octets that are not UTF-8 through as they are, which would put 8-bit octets in a header:
// they become U+FFFD first (the campaign's inputs are checked as UTF-8; this is the last line).
std::string valid_utf8(std::string_view text) {
  if (g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) return std::string(text);
  return taken(g_utf8_make_valid(text.data(), static_cast<gssize>(text.size())));
}

}  // namespace

void init() {
  gmime_init_once();
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  std::size_t line_start = out.size();
  out.append(name);
  out += ": ";
  bool first = true;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    // Unstructured text (RFC 5322 §3.2.5): a '"' is an ordinary character, so it never stops a fold
    // (a lone one in a subject once kept the rest of the field on one line, past 998 octets).
    std::size_t end = std::min(value.find(' ', pos), value.size());
    std::string_view token = value.substr(pos, end - pos);
    if (!first) {
      // An empty token (two spaces) never starts a line: a continuation line of blanks only is obsolete.
      if (!token.empty() && out.size() - line_start + 1 + token.size() > kFoldColumn) {
        out += "\r\n";
        line_start = out.size();
      }
      out += ' ';
    }
    out.append(token);
    first = false;
    pos = end + 1;
  }
  out += "\r\n";
}

std::string encode_text(std::string_view utf8) {
  return taken(g_mime_utils_header_encode_text(nullptr, valid_utf8(utf8).c_str(), "utf-8"));
}

void append_phrase_header(std::string& out, std::string_view name, std::string_view phrase,
                          std::string_view rest) {
  std::size_t line_start = out.size();
  out.append(name);
  out += ": ";
  if (!phrase.empty()) {
    out += taken(g_mime_utils_header_encode_phrase(nullptr, valid_utf8(phrase).c_str(), "utf-8"));
    out += out.size() - line_start + 1 + rest.size() > kFoldColumn ? "\r\n " : " ";
  }
  out.append(rest);
  out += "\r\n";
}

std::string_view to_string(TransferEncoding encoding) {
  switch (encoding) {
    case TransferEncoding::seven_bit:
      return "7bit";
    case TransferEncoding::quoted_printable:
      return "quoted-printable";
    case TransferEncoding::base64:
      return "base64";
  }
  return "base64";
}

namespace {

// Byte classes for choose_encoding: one table lookup per byte, the rarer questions only when they arise.
enum ByteClass : unsigned char { kEightBit = 1, kNul = 2, kCarriageReturn = 4, kEquals = 8 };
constexpr auto kByteClass = [] {
  std::array<unsigned char, 256> table{};
  for (int c = 0x80; c < 0x100; ++c)
    table[c] = kEightBit;
  table[0] = kNul;
  table['\r'] = kCarriageReturn;
  table['='] = kEquals;
  return table;
}();

bool has_lone_cr(std::string_view body) {
  for (auto cr = body.find('\r'); cr != std::string_view::npos; cr = body.find('\r', cr + 1))
    if (cr + 1 == body.size() || body[cr + 1] != '\n') return true;
  return false;
}

bool has_long_line(std::string_view body) {
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto lf = body.find('\n', pos);
    std::size_t end = lf == std::string_view::npos ? body.size() : lf;
    std::size_t length = end - pos - (lf != std::string_view::npos && end > pos && body[end - 1] == '\r');
    if (length > kMaxLine) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

TransferEncoding choose_encoding(std::string_view body) {
  unsigned classes = 0;
  for (char c : body)
    classes |= kByteClass[static_cast<unsigned char>(c)];
  if (classes & kNul) return TransferEncoding::base64;
  if (classes & kEightBit)
    return g_mime_utils_best_encoding(reinterpret_cast<const unsigned char*>(body.data()), body.size()) ==
                   GMIME_CONTENT_ENCODING_BASE64
               ? TransferEncoding::base64
               : TransferEncoding::quoted_printable;
  bool needs_quoting = ((classes & kEquals) && body.find(kBoundaryPrefix) != std::string_view::npos) ||
                       ((classes & kCarriageReturn) && has_lone_cr(body)) || has_long_line(body);
  return needs_quoting ? TransferEncoding::quoted_printable : TransferEncoding::seven_bit;
}

void BodyEncoder::append(std::string& out, std::string_view body, TransferEncoding encoding) {
  if (encoding == TransferEncoding::seven_bit) {
    append_crlf(out, body);
    return;
  }
  std::string_view input = body;
  if (encoding == TransferEncoding::base64) {
    canonical_.clear();
    append_crlf(canonical_, body);
    input = canonical_;
  }
  GMimeEncoding state;
  g_mime_encoding_init_encode(&state, encoding == TransferEncoding::base64
                                          ? GMIME_CONTENT_ENCODING_BASE64
                                          : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  std::size_t needed = g_mime_encoding_outlen(&state, input.size());
  if (encoded_.size() < needed) encoded_.resize(needed);
  std::size_t length = g_mime_encoding_flush(&state, input.data(), input.size(), encoded_.data());
  append_crlf(out, std::string_view(encoded_.data(), length));
}

}  // namespace campaigns::mime
