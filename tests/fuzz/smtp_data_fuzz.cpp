// libFuzzer target: the DATA reader on arbitrary bytes, fed in chunks whose sizes come from the input,
// then the header scan of what it accepted (Received counting for the loop guard, From domains).
// Invariants: it never keeps more than the size limit, the body it accepts has only CRLF line endings,
// bytes it reports as consumed never exceed what it was given, and no more of the Received fields are
// ours than there are.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mta/smtp/data_reader.hpp"
#include "mta/smtp/message_headers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t chunk = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  mta::smtp::DataReader reader(4096, 1000);
  std::size_t offset = 0;
  while (offset < input.size() && !reader.done()) {
    auto piece = input.substr(offset, chunk);
    std::size_t used = reader.feed(piece);
    if (used > piece.size()) std::abort();
    offset += used;
  }
  if (reader.body().size() > 4096) std::abort();
  if (reader.done() && !reader.problem()) {
    const std::string& body = reader.body();
    for (std::size_t i = 0; i < body.size(); ++i)
      if ((body[i] == '\n' && (i == 0 || body[i - 1] != '\r')) ||
          (body[i] == '\r' && (i + 1 >= body.size() || body[i + 1] != '\n')))
        std::abort();
    auto headers = mta::smtp::scan_headers(body, "mx.test");
    if (headers.own_received > headers.received) std::abort();
  }
  return 0;
}
