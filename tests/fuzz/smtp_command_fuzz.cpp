// libFuzzer target: the command parser and the line reader on arbitrary bytes. Each input is fed to a
// LineReader (512-byte limit) in two chunks and every line it yields is parsed; nothing may crash, hang or
// leak, and a parsed MAIL/RCPT path must satisfy the mailbox check it was accepted by.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mta/smtp/command_parser.hpp"
#include "mta/smtp/line_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  mta::smtp::LineReader reader(512);
  std::size_t half = size / 2;
  reader.feed(input.substr(0, half));
  for (int pass = 0; pass < 2; ++pass) {
    while (auto line = reader.next()) {
      if (line->too_long) continue;
      if (line->text.size() >= 512) std::abort();
      auto result = mta::smtp::parse_command(line->text);
      if (result.command && result.command->verb == mta::smtp::Verb::rcpt && !result.command->path.empty() &&
          result.command->path.find('@') != std::string::npos &&
          !mta::smtp::is_valid_mailbox(result.command->path, true))
        std::abort();
    }
    reader.feed(input.substr(half));
  }
  return 0;
}
