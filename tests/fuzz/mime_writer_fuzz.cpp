// mime_writer_fuzz.cpp — fuzzes campaigns/message/mime_writer with the bytes a recipient's cells can put into a
// body or a header: whatever the input, the chosen encoding's output has CRLF line ends only, lines of at
// most 998 octets, no "=_" (so no line can be a multipart boundary) and only ASCII, and decodes back (with
// GMime's decoder) to the input in canonical CRLF form; an RFC 2047 encoded header is ASCII with lines
// within 998 octets.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gmime/gmime.h>

#include "campaigns/message/mime_writer.hpp"

namespace {

using campaigns::mime::TransferEncoding;

std::string crlf(std::string_view text) {  // LF -> CRLF, CRLF kept, a lone CR kept
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

void check_lines(std::string_view out) {
  std::size_t line = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    if (c >= 0x80) __builtin_trap();
    if (c == '\n' && (i == 0 || out[i - 1] != '\r')) __builtin_trap();  // a bare LF
    if (c == '\r' && (i + 1 == out.size() || out[i + 1] != '\n')) __builtin_trap();  // a bare CR
    if (c == '\r' || c == '\n') {
      line = 0;
    } else if (++line > 998) {
      __builtin_trap();
    }
  }
}

std::string decode(std::string_view encoded, TransferEncoding encoding) {
  GMimeEncoding state;
  g_mime_encoding_init_decode(&state, encoding == TransferEncoding::base64 ? GMIME_CONTENT_ENCODING_BASE64
                                                                           : GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  std::vector<char> out(g_mime_encoding_outlen(&state, encoded.size()) + 16);
  std::size_t length = g_mime_encoding_flush(&state, encoded.data(), encoded.size(), out.data());
  return std::string(out.data(), length);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  campaigns::mime::init();
  std::string_view input(reinterpret_cast<const char*>(data), size);

  TransferEncoding encoding = campaigns::mime::choose_encoding(input);
  campaigns::mime::BodyEncoder encoder;
  std::string out;
  encoder.append(out, input, encoding);
  if (encoding == TransferEncoding::seven_bit) {
    if (out != crlf(input)) __builtin_trap();
  } else {
    if (out.find(campaigns::mime::kBoundaryPrefix) != std::string::npos) __builtin_trap();
    check_lines(out);
    std::string back = decode(out, encoding);
    // Quoted-printable may end the text with a line end it did not have: compare without it.
    std::string expected = crlf(input);
    if (back != expected && !(encoding == TransferEncoding::quoted_printable && back == expected + "\r\n"))
      __builtin_trap();
  }
  check_lines(out);

  std::string header;
  campaigns::mime::append_header(header, "Subject", campaigns::mime::encode_text(input));
  check_lines(header);
  return 0;
}
