// mime_writer.cpp — GMime's encoders run on plain buffers (a GMimeEncoding lives on the stack), so no
// GObject is made per message. They write LF line ends; one pass turns them into CRLF, as it does for a
// 7bit body (whose CRLF pairs are kept). Base64 encodes the canonical CRLF form of the text (RFC 2045
// §6.8); quoted-printable reads either form, since its encoder writes a line end for CRLF and for LF.
#include "campaigns/mime_writer.hpp"

#include <gmime/gmime.h>
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

}  // namespace

void init() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  std::size_t line_start = out.size();
  out.append(name);
  out += ": ";
  bool first = true;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t end = pos;
    bool quoted = false;
    for (; end < value.size(); ++end) {
      char c = value[end];
      if (quoted && c == '\\' && end + 1 < value.size())
        ++end;
      else if (c == '"')
        quoted = !quoted;
      else if (c == ' ' && !quoted)
        break;
    }
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
  return taken(g_mime_utils_header_encode_text(nullptr, std::string(utf8).c_str(), "utf-8"));
}

void append_phrase_header(std::string& out, std::string_view name, std::string_view phrase,
                          std::string_view rest) {
  std::size_t line_start = out.size();
  out.append(name);
  out += ": ";
  if (!phrase.empty()) {
    out += taken(g_mime_utils_header_encode_phrase(nullptr, std::string(phrase).c_str(), "utf-8"));
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

TransferEncoding choose_encoding(std::string_view body) {
  bool eight_bit = false, needs_quoting = false;
  std::size_t line = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    auto c = static_cast<unsigned char>(body[i]);
    bool next_is_lf = i + 1 < body.size() && body[i + 1] == '\n';
    if (c == '\n') {
      line = 0;
      continue;
    }
    if (c == 0) return TransferEncoding::base64;
    if (c >= 0x80)
      eight_bit = true;
    else if (c == '\r' && !next_is_lf)
      needs_quoting = true;  // a lone CR is no line end in 7bit
    else if (c == '=' && i + 1 < body.size() && body[i + 1] == '_')
      needs_quoting = true;  // the boundary prefix
    if (!(c == '\r' && next_is_lf) && ++line > kMaxLine) needs_quoting = true;
  }
  if (eight_bit)
    return g_mime_utils_best_encoding(reinterpret_cast<const unsigned char*>(body.data()), body.size()) ==
                   GMIME_CONTENT_ENCODING_BASE64
               ? TransferEncoding::base64
               : TransferEncoding::quoted_printable;
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
